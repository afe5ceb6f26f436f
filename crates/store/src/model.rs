//! The records the store reads and writes, and the inputs for creating them.
//!
//! These are storage-boundary types: clinical documents stay `serde_json::Value` produced by
//! `tonus-app`. Nothing here checks who may see a record; the web layer does.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use tonus_core::vocab::{LandmarkSource, View};

use crate::{AssessmentId, AuditId, ClientId, LandmarkSetId, NoteId, PhotoId, PlanId, ReportId, ShareLinkId, StoreError, UserId};

/// A moment in UTC, in milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
#[schema(value_type = i64, format = Int64, example = 1_796_028_657_960_i64)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        let millis = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).unwrap_or(0);
        Self(millis)
    }

    /// This moment plus a number of seconds.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1000)))
    }
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant,)* }

        impl $name {
            /// The stored (and displayed) name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = StoreError;
            fn from_str(s: &str) -> Result<Self, StoreError> {
                match s {
                    $($text => Ok(Self::$variant),)*
                    other => Err(StoreError::Invalid(format!(
                        concat!("unknown ", stringify!($name), " {:?}"), other
                    ))),
                }
            }
        }

        // Stored as its name.
        $crate::ids::text_column!($name);
    };
}

text_enum! {
    /// What an account may do.
    Role {
        /// Manages accounts; sees every client.
        Admin => "admin",
        /// Sees and edits their own clients and the clinic's shared ones.
        Practitioner => "practitioner",
        /// Sees only their own record.
        Client => "client",
    }
}

text_enum! {
    /// Whether an assessment is still being filled in.
    AssessmentStatus {
        /// Saved partially; may hold invalid fields.
        Draft => "draft",
        /// Validated, assessed and reported.
        Complete => "complete",
    }
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    /// The name typed at login; unique.
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    /// Someone else chose the password: it must be changed before anything else.
    pub must_change_password: bool,
    pub created_at: Timestamp,
}

/// An account with its password hash, for login only.
#[derive(Clone, sqlx::FromRow)]
pub struct Credentials {
    #[sqlx(flatten)]
    pub user: User,
    /// PHC-format password hash.
    pub password_hash: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user).field("password_hash", &"***").finish()
    }
}

/// Input for a new account.
#[derive(Clone)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// PHC-format password hash (never the password).
    pub password_hash: String,
    /// Someone other than the account's owner chose the password.
    pub must_change_password: bool,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("login", &self.login)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A logged-in session, read with its account (`session_expires_at` the session's expiry).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    #[sqlx(flatten)]
    pub user: User,
    /// Synchronizer token every state-changing form must echo.
    pub csrf_token: String,
    #[sqlx(rename = "session_expires_at")]
    pub expires_at: Timestamp,
}

/// Input for a new session.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the cookie value.
    pub token_hash: String,
    pub user: UserId,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// A client record. Read from the `clients` table as it is (`sqlx::FromRow`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Client {
    pub id: ClientId,
    /// The practitioner responsible for the client.
    #[sqlx(rename = "owner_id")]
    pub owner: UserId,
    pub display_name: String,
    /// The clinic's own reference (file number), if any.
    pub reference: Option<String>,
    /// Whether every practitioner of the clinic may see and edit the record.
    pub shared_with_clinic: bool,
    /// The client's own login, if they have one.
    #[sqlx(rename = "user_id")]
    pub user: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Input for a new client.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub owner: UserId,
    pub display_name: String,
    pub reference: Option<String>,
    pub shared_with_clinic: bool,
}

/// A client as lists show it: the record and its practitioner's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ListedClient {
    pub client: Client,
    /// The owner's display name; empty if the account is gone.
    pub owner_name: String,
}

/// A page of a client list: the clients shown and how many match the query in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClientPage {
    pub clients: Vec<ListedClient>,
    pub total: i64,
}

/// Changes to a client's details.
#[derive(Debug, Clone)]
pub struct ClientUpdate {
    pub display_name: String,
    pub reference: Option<String>,
    pub shared_with_clinic: bool,
}

/// Which clients to list.
#[derive(Debug, Clone, Default)]
pub struct ClientQuery {
    /// Only clients this practitioner owns or that are shared with the clinic; `None` lists all.
    pub visible_to: Option<UserId>,
    /// Case-insensitive substring of the name or reference.
    pub search: Option<String>,
    /// At most this many clients, in name order; `None` returns them all.
    pub limit: Option<i64>,
    /// Skip this many clients first (a page further down the list).
    pub offset: i64,
}

/// An assessment: the intake (possibly still a draft) of one visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assessment {
    pub id: AssessmentId,
    pub client: ClientId,
    pub created_by: UserId,
    pub status: AssessmentStatus,
    /// The form exactly as last submitted, invalid fields included, so nothing typed is lost.
    pub form: Value,
    /// The validated intake (`tonus_app::intake::Intake` as JSON), once it is valid.
    pub intake: Option<Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub completed_at: Option<Timestamp>,
}

/// Input for a new (draft) assessment.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    pub client: ClientId,
    pub created_by: UserId,
    pub form: Value,
    pub intake: Option<Value>,
}

/// Everything written when an assessment is completed, in one transaction.
#[derive(Debug, Clone)]
pub struct CompleteAssessment {
    pub id: AssessmentId,
    pub form: Value,
    pub intake: Value,
    pub report: Value,
    pub version: ReportVersion,
    pub plan: Value,
}

/// What made a report and in which JSON format: kept beside it, so reports of an older format
/// are found without reading them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportVersion {
    /// The engine's version.
    pub engine: String,
    /// The report's JSON format version.
    pub format: u32,
}

/// A photo's view, as the API names it (the schema of `tonus_core::vocab::View`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ViewName {
    /// The person's left side is toward the camera.
    SideLeft,
    /// The person's right side is toward the camera.
    SideRight,
    /// The person faces the camera.
    Front,
}

impl From<ViewName> for View {
    fn from(v: ViewName) -> Self {
        match v {
            ViewName::SideLeft => View::SideLeft,
            ViewName::SideRight => View::SideRight,
            ViewName::Front => View::Front,
        }
    }
}

/// Where landmarks came from, as the API names it (the schema of
/// `tonus_core::vocab::LandmarkSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LandmarkSourceName {
    /// A pose model placed them.
    Automatic,
    /// A person placed or moved them by hand.
    Manual,
    /// Skin markers located in the photo.
    Marker,
}

/// A stored photo (the bytes live in the photo directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Photo {
    pub id: PhotoId,
    pub assessment: AssessmentId,
    /// SHA-256 of the bytes, hex.
    pub content_hash: String,
    /// Path relative to the photo directory, derived from the hash only.
    pub rel_path: String,
    pub media_type: String,
    /// The view the therapist chose when uploading.
    #[schema(value_type = ViewName)]
    pub view: View,
    pub byte_len: i64,
    pub created_at: Timestamp,
}

/// Input for a new photo.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub assessment: AssessmentId,
    pub bytes: Vec<u8>,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub media_type: String,
    pub view: View,
}

/// Landmarks for one view, with their provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LandmarkSet {
    pub id: LandmarkSetId,
    pub assessment: AssessmentId,
    pub photo: Option<PhotoId>,
    /// The view the landmark file names; `None` when it is detected from the landmarks.
    #[schema(value_type = Option<ViewName>)]
    pub view: Option<View>,
    /// The landmark file (`tonus_app::landmarks::LandmarkFile` as JSON).
    pub landmarks: Value,
    /// Pose model name, or `manual`/`file` when none ran (a correction keeps the model of the
    /// set it corrects).
    pub model: String,
    pub model_version: String,
    #[schema(value_type = LandmarkSourceName)]
    pub source: LandmarkSource,
    /// Names of the points a person moved after detection.
    pub moved_points: Vec<String>,
    /// The set this one corrects by hand, when it is a correction (same assessment).
    pub corrects: Option<LandmarkSetId>,
    /// Who placed or corrected the points by hand (none for a pose model's set, the console,
    /// or sets stored before this was recorded).
    #[serde(default)]
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
}

/// Input for a new landmark set.
#[derive(Debug, Clone)]
pub struct NewLandmarkSet {
    pub assessment: AssessmentId,
    pub photo: Option<PhotoId>,
    pub view: Option<View>,
    pub landmarks: Value,
    pub model: String,
    pub model_version: String,
    pub source: LandmarkSource,
    pub moved_points: Vec<String>,
    /// The set this one corrects; it must belong to the same assessment.
    pub corrects: Option<LandmarkSetId>,
    /// Who placed or corrected the points by hand.
    pub created_by: Option<UserId>,
}

/// A derived result: the engine's whole report for an assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub id: ReportId,
    pub assessment: AssessmentId,
    /// `tonus_app::report::Report` as JSON.
    pub report: Value,
    pub engine_version: String,
    pub created_at: Timestamp,
}

/// What an assessment's report page shows besides the viewer: the newest report, how many
/// landmark sets and photos the assessment has (rows only ever added, never changed) and who
/// last edited the plan when. Equal stamps mean an equal page, so it can key a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportStamp {
    pub report: ReportId,
    pub landmark_sets: i64,
    pub photos: i64,
    pub plan_edited_by: Option<UserId>,
    pub plan_edited_at: Option<Timestamp>,
}

/// The plan of an assessment: the engine's version and the therapist's edits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub id: PlanId,
    pub assessment: AssessmentId,
    pub engine_plan: Value,
    /// The therapist's version, when edited; it replaces the engine's for the client.
    pub edited_plan: Option<Value>,
    pub edited_by: Option<UserId>,
    pub edited_at: Option<Timestamp>,
    /// The assessment whose plan this one was carried forward from, at reassessment.
    pub carried_from: Option<AssessmentId>,
    /// Carried forward and not yet reviewed against the engine's new proposal.
    pub review_pending: bool,
    pub created_at: Timestamp,
}

/// A plan carried forward at reassessment: the client's plan so far, adapted to the new
/// assessment, recorded as the edited plan with its review pending.
#[derive(Debug, Clone, PartialEq)]
pub struct CarriedPlan {
    /// The plan, as JSON.
    pub plan: Value,
    /// Who carried it (the account completing the reassessment).
    pub editor: UserId,
    /// The assessment it came from.
    pub from: AssessmentId,
}

impl Plan {
    /// The plan the client follows: the therapist's edit if any, else the engine's.
    pub fn current(&self) -> &Value {
        self.edited_plan.as_ref().unwrap_or(&self.engine_plan)
    }
}

/// A free-text note on a client (optionally about one assessment). Read from the `notes`
/// table as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Note {
    pub id: NoteId,
    #[sqlx(rename = "client_id")]
    pub client: ClientId,
    #[sqlx(rename = "assessment_id")]
    pub assessment: Option<AssessmentId>,
    #[sqlx(rename = "author_id")]
    pub author: UserId,
    pub body: String,
    pub created_at: Timestamp,
}

/// Input for a new note.
#[derive(Debug, Clone)]
pub struct NewNote {
    pub client: ClientId,
    pub assessment: Option<AssessmentId>,
    pub author: UserId,
    pub body: String,
}

/// One day at the desk, as the client's desk page measured it in their browser: totals only
/// (no frame, landmark or posture value ever reaches the server). Totals only grow during a
/// day, so storing a day again keeps each field's larger value, whatever order copies arrive
/// in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskDay {
    /// The day, `YYYY-MM-DD`, in the client's time zone.
    pub day: String,
    /// Time in front of the camera.
    pub sitting_ms: i64,
    /// The longest time without a break.
    pub longest_bout_ms: i64,
    /// Break prompts shown.
    pub breaks_offered: i64,
    /// Breaks taken (away from the desk, or an exercise confirmed).
    pub breaks_taken: i64,
    /// Time the posture could be read.
    pub readable_ms: i64,
    /// Of that, time within the calibrated posture.
    pub within_ms: i64,
    /// Posture nudges given.
    pub nudges: i64,
    /// Exercises confirmed done.
    pub exercises_done: i64,
}

/// Refuses the first of `fields` (name, value, most characters) that is too long, naming it.
fn check_lengths(fields: &[(&str, &str, usize)]) -> Result<(), StoreError> {
    match fields.iter().find(|(_, value, max)| value.chars().count() > *max) {
        Some((field, _, max)) => Err(StoreError::Invalid(format!("{field}: at most {max} characters"))),
        None => Ok(()),
    }
}

/// Refuses `value` unless it is a calendar date written `YYYY-MM-DD` (no 31 April, no 29
/// February outside a leap year), naming `field`.
pub fn check_date(field: &str, value: &str) -> Result<(), StoreError> {
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let date_ok = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10);
    if !date_ok || tonus_core::date::Date::parse(value).is_none() {
        return Err(StoreError::Invalid(format!("{field}: \"{value}\" is not a date such as 2026-11-30")));
    }
    Ok(())
}

/// A client's details beyond the name (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDetails {
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub phone: String,
    pub email: String,
    /// The consent the client gave, if recorded.
    pub consent: Option<Consent>,
}

/// What a client agreed to, when, and to which version of the clinic's consent statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// The consent statement's version, such as `tonus-consent-1`.
    pub version: String,
    /// The parts agreed to, by id (`assessment`, `photos`, `records`, …).
    pub items: Vec<String>,
    /// The day it was given, `YYYY-MM-DD`.
    pub given_on: String,
}

impl ClientDetails {
    /// Refuses a date that is not one, text that is too long or an e-mail address without an
    /// `@`, naming the field.
    pub fn check(&self) -> Result<(), StoreError> {
        if let Some(dob) = &self.date_of_birth {
            check_date("date_of_birth", dob)?;
        }
        check_lengths(&[("phone", &self.phone, 40), ("email", &self.email, 200)])?;
        if !self.email.is_empty() && !self.email.contains('@') {
            return Err(StoreError::Invalid(format!("email: \"{}\" is not an e-mail address", self.email)));
        }
        if let Some(c) = &self.consent {
            check_date("consent_on", &c.given_on)?;
            if c.version.is_empty() || c.version.len() > 40 {
                return Err(StoreError::Invalid("consent_version: a version of at most 40 characters".into()));
            }
            if c.items.iter().any(|i| i.is_empty() || i.len() > 40 || i.contains(',')) {
                return Err(StoreError::Invalid("consent_items: ids without commas, at most 40 characters each".into()));
            }
        }
        Ok(())
    }
}

/// The clinic's own details, for print headers. Empty until an administrator sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicSettings {
    /// The clinic's name.
    pub name: String,
    /// Its postal address, lines separated by line breaks.
    pub address: String,
    /// A contact line: telephone, e-mail or web site.
    pub contact: String,
    /// The logo, a PNG or JPEG as a `data:` URL.
    pub logo: Option<String>,
}

/// The largest logo, in bytes before encoding.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;

impl ClinicSettings {
    /// Refuses text that is too long and a logo that is not a PNG or JPEG data URL within
    /// [`MAX_LOGO_BYTES`], naming the field.
    pub fn check(&self) -> Result<(), StoreError> {
        check_lengths(&[("name", &self.name, 120), ("address", &self.address, 400), ("contact", &self.contact, 200)])?;
        if let Some(logo) = &self.logo {
            let ok_type = logo.starts_with("data:image/png;base64,") || logo.starts_with("data:image/jpeg;base64,");
            if !ok_type {
                return Err(StoreError::Invalid("logo: a PNG or JPEG image".into()));
            }
            if logo.len() > MAX_LOGO_BYTES * 4 / 3 + 64 {
                return Err(StoreError::Invalid(format!("logo: at most {} KiB", MAX_LOGO_BYTES / 1024)));
            }
        }
        Ok(())
    }
}

/// An exercise of the plan the client ticked as done on a day (their home page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseTick {
    /// The day, `YYYY-MM-DD`, in the client's time zone.
    pub day: String,
    /// The exercise's id in the knowledge base.
    pub exercise: String,
}

impl ExerciseTick {
    /// Refuses a tick whose day is not a date or whose exercise id is not one (lowercase
    /// `snake_case`, at most 64 characters), naming the field.
    pub fn check(&self) -> Result<(), StoreError> {
        check_date("day", &self.day)?;
        let id_ok = !self.exercise.is_empty()
            && self.exercise.len() <= 64
            && self.exercise.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
        if !id_ok {
            return Err(StoreError::Invalid(format!("exercise: \"{}\" is not an exercise id", self.exercise)));
        }
        Ok(())
    }
}

/// The client's weekly pain check-in: the Numeric Pain Rating Scale, 0-10, for a week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PainCheckIn {
    /// The week's Monday, `YYYY-MM-DD`.
    pub week: String,
    /// Pain on average over the past week, 0 (none) to 10 (worst imaginable).
    pub nprs: i64,
}

impl PainCheckIn {
    /// Refuses a week that is not a date or a score outside 0-10, naming the field.
    pub fn check(&self) -> Result<(), StoreError> {
        check_date("week", &self.week)?;
        if !(0..=10).contains(&self.nprs) {
            return Err(StoreError::Invalid(format!("nprs: {} is not a pain score from 0 to 10", self.nprs)));
        }
        Ok(())
    }
}

/// A day is at most this long, in milliseconds (with an hour to spare for a clock change).
const DAY_MS: i64 = 25 * 3_600_000;

impl DeskDay {
    /// Refuses a day whose date is not `YYYY-MM-DD` or whose totals are negative or impossible,
    /// naming the day and the field.
    pub fn check(&self) -> Result<(), StoreError> {
        let d = self;
        check_date("day", &d.day)?;
        let times = [
            ("sitting_ms", d.sitting_ms),
            ("longest_bout_ms", d.longest_bout_ms),
            ("readable_ms", d.readable_ms),
            ("within_ms", d.within_ms),
        ];
        for (field, v) in times {
            if !(0..=DAY_MS).contains(&v) {
                return Err(StoreError::Invalid(format!("{} {field}: {v} is not a time within one day", d.day)));
            }
        }
        let counts = [
            ("breaks_offered", d.breaks_offered),
            ("breaks_taken", d.breaks_taken),
            ("nudges", d.nudges),
            ("exercises_done", d.exercises_done),
        ];
        for (field, v) in counts {
            if !(0..=10_000).contains(&v) {
                return Err(StoreError::Invalid(format!("{} {field}: {v} is not a count for one day", d.day)));
            }
        }
        if d.within_ms > d.readable_ms {
            return Err(StoreError::Invalid(format!("{} within_ms: more than readable_ms", d.day)));
        }
        Ok(())
    }

    /// Takes each field's larger value of `self` and `other` (the same day from another copy):
    /// totals only grow during a day, so this is what the store's upsert does too.
    pub fn keep_larger(&mut self, other: &DeskDay) {
        for (mine, theirs) in [
            (&mut self.sitting_ms, other.sitting_ms),
            (&mut self.longest_bout_ms, other.longest_bout_ms),
            (&mut self.breaks_offered, other.breaks_offered),
            (&mut self.breaks_taken, other.breaks_taken),
            (&mut self.readable_ms, other.readable_ms),
            (&mut self.within_ms, other.within_ms),
            (&mut self.nudges, other.nudges),
            (&mut self.exercises_done, other.exercises_done),
        ] {
            *mine = (*mine).max(theirs);
        }
    }
}

/// An expiring link that shows a client's handout without a login. Read from the
/// `share_links` table as it is (the token's hash is never read back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ShareLink {
    pub id: ShareLinkId,
    #[sqlx(rename = "client_id")]
    pub client: ClientId,
    pub created_by: UserId,
    pub expires_at: Timestamp,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl ShareLink {
    /// Whether the link still opens the handout at `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// Input for a new share link.
#[derive(Debug, Clone)]
pub struct NewShareLink {
    pub client: ClientId,
    /// SHA-256 of the token in the URL.
    pub token_hash: String,
    pub created_by: UserId,
    pub expires_at: Timestamp,
}

/// One line of the audit log, read from the `audit_log` table as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: Timestamp,
    #[sqlx(rename = "actor_id")]
    pub actor: Option<UserId>,
    /// `view`, `create`, `update`, `complete`, `export`, `erase`, `login` …
    pub action: String,
    /// `client`, `assessment`, `plan`, `user` …
    pub record_kind: String,
    pub record_id: String,
    /// Short, non-clinical detail.
    pub detail: String,
}

/// Input for an audit line.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub actor: Option<UserId>,
    pub action: String,
    pub record_kind: String,
    pub record_id: String,
    pub detail: String,
}

/// A client's whole record, for export (share-link token hashes left out).
#[derive(Debug, Clone, Serialize)]
pub struct ClientExport {
    /// Format marker so later readers know what they hold.
    pub format: &'static str,
    pub exported_at: Timestamp,
    pub client: Client,
    pub assessments: Vec<Assessment>,
    pub photos: Vec<Photo>,
    pub landmark_sets: Vec<LandmarkSet>,
    pub reports: Vec<Report>,
    pub plans: Vec<Plan>,
    pub notes: Vec<Note>,
    /// The days the client's desk page measured (totals only).
    pub desk_days: Vec<DeskDay>,
    /// Date of birth, contact and consent.
    pub details: ClientDetails,
    /// The exercises the client ticked as done.
    pub exercise_ticks: Vec<ExerciseTick>,
    /// The client's weekly pain check-ins.
    pub pain_checkins: Vec<PainCheckIn>,
    pub share_links: Vec<ShareLink>,
    pub audit_log: Vec<AuditEntry>,
}

/// A whole client record from another Tonus, to store as it is: ids and times kept.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    /// The client; its login (`user`) is not carried over.
    pub client: Client,
    pub details: ClientDetails,
    /// Staff the record names who have no account here: created as disabled practitioner
    /// accounts (login `imported-<id>`, no password), so what they did keeps their name.
    pub accounts: Vec<ImportedAccount>,
    pub assessments: Vec<Assessment>,
    /// Each photo with its bytes; the bytes must match the content hash.
    pub photos: Vec<(Photo, Vec<u8>)>,
    pub landmark_sets: Vec<LandmarkSet>,
    pub reports: Vec<Report>,
    pub plans: Vec<Plan>,
    pub notes: Vec<Note>,
    pub desk_days: Vec<DeskDay>,
    pub exercise_ticks: Vec<ExerciseTick>,
    pub pain_checkins: Vec<PainCheckIn>,
}

impl ImportRecord {
    /// Every row belongs to this record: each assessment and note is the client's, and each
    /// photo, landmark set, report, plan and note names only the record's own assessments,
    /// photos and sets; each row appears once (an id, an assessment's plan, a day, a week);
    /// each correction corrects an original set; each photo's bytes are as long as it says. So
    /// an import cannot add anything to another client's record, and its inserts cannot
    /// conflict with each other.
    pub fn check(&self) -> Result<(), StoreError> {
        use std::collections::HashSet;
        let bad = |what: String| Err(StoreError::Invalid(what));
        let client = self.client.id;
        let assessments: HashSet<AssessmentId> = self.assessments.iter().map(|a| a.id).collect();
        let photos: HashSet<PhotoId> = self.photos.iter().map(|(p, _)| p.id).collect();
        let sets: HashSet<LandmarkSetId> = self.landmark_sets.iter().map(|s| s.id).collect();
        let originals: HashSet<LandmarkSetId> = self.landmark_sets.iter().filter(|s| s.corrects.is_none()).map(|s| s.id).collect();
        let own = |a: AssessmentId| assessments.contains(&a);
        if assessments.len() != self.assessments.len() || photos.len() != self.photos.len() || sets.len() != self.landmark_sets.len() {
            return bad("the record names an assessment, photo or landmark set twice".into());
        }
        // Each row once: a repeated one would fail the insert as if the record were here already.
        fn repeats<K: std::hash::Hash + Eq>(keys: impl ExactSizeIterator<Item = K>) -> bool {
            let n = keys.len();
            keys.collect::<HashSet<K>>().len() != n
        }
        for (what, repeated) in [
            ("report", repeats(self.reports.iter().map(|r| r.id))),
            ("plan", repeats(self.plans.iter().map(|p| p.id))),
            ("plan of one assessment", repeats(self.plans.iter().map(|p| p.assessment))),
            ("note", repeats(self.notes.iter().map(|n| n.id))),
            ("desk day", repeats(self.desk_days.iter().map(|d| &d.day))),
            ("exercise tick", repeats(self.exercise_ticks.iter().map(|t| (&t.day, &t.exercise)))),
            ("weekly pain check-in", repeats(self.pain_checkins.iter().map(|c| &c.week))),
        ] {
            if repeated {
                return bad(format!("the record names a {what} twice"));
            }
        }
        if let Some(a) = self.assessments.iter().find(|a| a.client != client) {
            return bad(format!("assessment {}: it belongs to client {}, not to {client}", a.id, a.client));
        }
        for (p, bytes) in &self.photos {
            if !own(p.assessment) {
                return bad(format!("photo {}: its assessment {} is not in the record", p.id, p.assessment));
            }
            if usize::try_from(p.byte_len).ok() != Some(bytes.len()) {
                return bad(format!("photo {}: {} bytes, not the {} it says", p.id, bytes.len(), p.byte_len));
            }
        }
        for s in &self.landmark_sets {
            if !own(s.assessment) {
                return bad(format!("landmark set {}: its assessment {} is not in the record", s.id, s.assessment));
            }
            if s.photo.is_some_and(|p| !photos.contains(&p)) || s.corrects.is_some_and(|c| !sets.contains(&c)) {
                return bad(format!("landmark set {}: it names a photo or a set that is not in the record", s.id));
            }
            // A correction corrects an original (never itself or another correction), so the
            // originals go in first.
            if let Some(c) = s.corrects
                && !originals.contains(&c)
            {
                return bad(format!("landmark set {}: it corrects {c}, which is not an original set", s.id));
            }
        }
        if let Some(r) = self.reports.iter().find(|r| !own(r.assessment)) {
            return bad(format!("report {}: its assessment {} is not in the record", r.id, r.assessment));
        }
        if let Some(p) = self.plans.iter().find(|p| !own(p.assessment) || p.carried_from.is_some_and(|c| !own(c))) {
            return bad(format!("plan {}: it names an assessment that is not in the record", p.id));
        }
        if let Some(n) = self.notes.iter().find(|n| n.client != client || n.assessment.is_some_and(|a| !own(a))) {
            return bad(format!("note {}: it belongs to another client or names an assessment not in the record", n.id));
        }
        Ok(())
    }
}

/// A staff member an imported record names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedAccount {
    pub id: UserId,
    pub display_name: String,
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Erasure {
    pub assessments: u64,
    pub photo_files_removed: u64,
    pub client_account_removed: bool,
}
