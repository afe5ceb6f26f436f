//! UUIDv7 identifier newtypes, one per record kind, so ids cannot be mixed up.
//!
//! Stored as canonical hyphenated text in both backends; v7 ids sort by creation time. Each id
//! binds and reads as itself in any sqlx backend whose text type it is stored as, so queries
//! bind ids and read them back typed (a few generic statements, such as the import's "is this
//! id here" over several tables, still bind their text).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Implements sqlx's `Type`, `Encode` and `Decode` for a type stored as text, in every
/// backend: written as its `Display`, read back with its `FromStr`, whose error (a stored
/// value that does not parse, a corrupt row) becomes the backend's decode error.
macro_rules! text_column {
    ($name:ty) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer<'q>) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                self.to_string().encode(buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(<&str as sqlx::Decode<'r, DB>>::decode(value)?.parse::<$name>()?)
            }
        }
    };
}
pub(crate) use text_column;

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

        $crate::ids::text_column!($name);
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
