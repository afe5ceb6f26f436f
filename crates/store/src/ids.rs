//! UUIDv7 identifier newtypes, one per record kind, so ids cannot be mixed up.
//!
//! Stored as canonical hyphenated text in both backends; v7 ids sort by creation time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

id_type! {
    /// Identifies an account (admin, practitioner or client).
    UserId;
    /// Identifies a client record.
    ClientId;
    /// Identifies an assessment.
    AssessmentId;
    /// Identifies a stored photo.
    PhotoId;
    /// Identifies a landmark set.
    LandmarkSetId;
    /// Identifies a derived report.
    ReportId;
    /// Identifies a plan.
    PlanId;
    /// Identifies a note.
    NoteId;
    /// Identifies a share link.
    ShareLinkId;
    /// Identifies an audit entry.
    AuditId;
}

/// Parses an id read from the database, reporting corrupt rows as backend errors.
pub(crate) fn parse_id<T: FromStr<Err = uuid::Error>>(text: &str) -> Result<T, crate::StoreError> {
    text.parse().map_err(|err: uuid::Error| crate::StoreError::Backend(Box::new(err)))
}
