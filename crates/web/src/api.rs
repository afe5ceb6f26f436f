//! The JSON API under `/api`: the same resources and access rules as the pages.
//!
//! Log in with `POST /api/login` (the session cookie is set and the CSRF token returned);
//! every state-changing call must send that token in `X-CSRF-Token`. Described by
//! `/api/openapi.json`, which utoipa generates from the `#[utoipa::path]` annotations here.
//! Photos are uploaded as the raw request body.

// utoipa's path macro writes an operation's parameter types qualified, in items of its own.
#![allow(unused_qualifications)]

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tonus_app::intake::Format;
use tonus_clinic::Actor;
use tonus_clinic::{Action, RecordKind};
use tonus_core::date::Date;
use tonus_store::{
    Assessment, AssessmentId, AssessmentStatus, Client, ClientId, ClientQuery, Erasure, LandmarkSet, ListedClient, NewClient, Note, Photo,
    ReportId, Role, Timestamp, User, UserId, ViewName,
};
use utoipa::{IntoParams, ToSchema};

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::{ApiError, WebError};
use crate::form::ApiWriter;
use crate::state::AppState;

crate::routes! {
    pub(crate) fn api_routes, const API_ROUTES;
    "/openapi.json" => get(crate::openapi::document);
    "/login" => post(crate::auth::api_login), layer(axum::extract::DefaultBodyLimit::max(crate::auth::LOGIN_BODY_LIMIT));
    "/logout" => post(logout);
    "/session" => get(session);
    "/clients" => get(list_clients).post(create_client);
    "/clients/{id}" => get(get_client).delete(erase_client);
    "/clients/{id}/export" => get(export_client);
    "/clients/import" => post(import_client);
    "/clients/{id}/notes" => get(list_notes).post(add_note);
    "/photos/{id}" => get(get_photo);
    "/desk/days" => post(put_desk_days);
    "/clients/{id}/assessments" => get(list_assessments).post(create_assessment);
    "/assessments/{id}" => get(get_assessment);
    "/assessments/{id}/plan" => get(get_plan).put(put_plan);
    "/assessments/{id}/photos" => post(upload_photo);
}

pub(crate) fn routes() -> Router<AppState> {
    api_routes(Router::new()).fallback(not_found).layer(axum::middleware::map_response(json_errors))
}

/// Every error of the API, whatever answered it (a handler, an extractor that refused the
/// body, the router), as `{"error": "…"}`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    /// What went wrong, safe to show; for bad input it names the field.
    pub(crate) error: String,
}

/// Answers many operations share, named once for the OpenAPI document. An operation lists the
/// sets it can answer before its own answers, and its own answer for a status replaces the
/// set's wording. Never built: the handlers answer [`ApiError`], these only describe it.
#[allow(dead_code, reason = "read by utoipa's IntoResponses derive, never constructed")]
mod answers {
    use super::ErrorBody;
    use utoipa::IntoResponses;

    /// Every operation behind the login.
    #[derive(IntoResponses)]
    #[response(status = 401, description = "Not logged in")]
    pub(super) struct NotLoggedIn(ErrorBody);

    /// A read of one record by its id.
    #[derive(IntoResponses)]
    pub(super) enum Reading {
        #[response(status = 401, description = "Not logged in")]
        NotLoggedIn(ErrorBody),
        #[response(status = 403, description = "The password must be changed first")]
        PasswordToChange(ErrorBody),
        #[response(status = 422, description = "The id is not an id")]
        BadId(ErrorBody),
    }

    /// A read that is audited: nothing is shown unless the access is recorded.
    #[derive(IntoResponses)]
    #[response(status = 507, description = "The clinic's storage is full: the access could not be recorded, so nothing was shown")]
    pub(super) struct Audited(ErrorBody);

    /// A write of a JSON body by staff who may change the record.
    #[derive(IntoResponses)]
    pub(super) enum JsonWriting {
        #[response(status = 400, description = "The body is not JSON")]
        NotJson(ErrorBody),
        #[response(status = 401, description = "Not logged in")]
        NotLoggedIn(ErrorBody),
        #[response(status = 403, description = "Staff who may change the record only; or the CSRF token did not match")]
        Refused(ErrorBody),
        #[response(status = 413, description = "The body is over the upload limit")]
        TooLarge(ErrorBody),
        #[response(status = 415, description = "The body is not sent as application/json")]
        NotSentAsJson(ErrorBody),
        #[response(status = 507, description = "The clinic's storage is full: nothing was saved")]
        StorageFull(ErrorBody),
    }

    /// An operation on a client named in the path.
    #[derive(IntoResponses)]
    #[response(status = 404, description = "No such client, or not one you may see")]
    pub(super) struct NoSuchClient(ErrorBody);

    /// An operation on an assessment named in the path.
    #[derive(IntoResponses)]
    #[response(status = 404, description = "No such assessment, or not one you may see")]
    pub(super) struct NoSuchAssessment(ErrorBody);
}
use answers::{Audited, JsonWriting, NoSuchAssessment, NoSuchClient, NotLoggedIn, Reading};

/// An API path that does not exist.
async fn not_found() -> ApiError {
    ApiError(WebError::NotFound)
}

/// Rewrites an error answered without a JSON body (axum's rejections of a body that is not
/// JSON, too large or of the wrong type, a method the path does not take) as [`ErrorBody`],
/// keeping the status and headers.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024).await.map(|b| String::from_utf8_lossy(&b).trim().to_owned()).unwrap_or_default();
    let error = if text.is_empty() { status.canonical_reason().unwrap_or("error").to_owned() } else { text };
    let mut out = (status, Json(ErrorBody { error })).into_response();
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

/// The logged-in account and the token to send as `X-CSRF-Token` on every write.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SessionReply {
    pub(crate) user: User,
    pub(crate) csrf_token: String,
}

#[utoipa::path(get, path = "/api/session", security(("session" = [])), tag = "session", responses(
    NotLoggedIn,
    (status = 200, description = "The logged-in account and its CSRF token", body = SessionReply),
))]
async fn session(me: CurrentUser) -> Json<SessionReply> {
    Json(SessionReply { user: me.user, csrf_token: me.csrf })
}

#[utoipa::path(post, path = "/api/logout", tag = "session", responses(
    NotLoggedIn,
    (status = 204, description = "Logged out; the session cookie is cleared"),
    (status = 403, description = "The CSRF token or the Origin did not match", body = ErrorBody),
    (status = 507, description = "The clinic's storage is full: the logout could not be recorded", body = ErrorBody),
))]
async fn logout(State(state): State<AppState>, ApiWriter(me): ApiWriter) -> Result<Response, ApiError> {
    state.store.delete_session(&me.token_hash).await?;
    state.sessions.clear();
    crate::audit::record(&state, Some(me.user.id), Action::Logout, RecordKind::User, &me.user.id.to_string(), "").await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(axum::http::header::SET_COOKIE, crate::auth::cookie(&state, None));
    Ok(response)
}

/// The most clients one page of `GET /api/clients` holds.
const MAX_PER_PAGE: u32 = 200;
/// The highest page number `GET /api/clients` takes.
const MAX_PAGE: u32 = 1_000_000;

/// A client list's search and page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// Part of a name or reference, any case.
    q: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    page: Option<u32>,
    /// Clients per page, at most 200.
    #[param(minimum = 1, maximum = 200, default = 50)]
    per_page: Option<u32>,
}

/// One page of the clients the caller may see, in name order.
#[derive(Debug, Serialize, ToSchema)]
struct ClientList {
    /// This page's clients with their practitioner's name.
    clients: Vec<ListedClient>,
    /// How many clients match, on every page.
    total: i64,
    /// This page, from 1.
    page: u32,
    /// Clients per page.
    per_page: u32,
}

#[utoipa::path(get, path = "/api/clients", security(("session" = [])), tag = "clients", params(SearchQuery), responses(
    NotLoggedIn,
    (status = 200, description = "One page of the clients you may see", body = ClientList),
    (status = 400, description = "The query string does not read (a page that is not a number)", body = ErrorBody),
    (status = 403, description = "Clients see their own record only; or the password must be changed first", body = ErrorBody),
    (status = 422, description = "A page or page size out of range", body = ErrorBody),
))]
async fn list_clients(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<SearchQuery>,
) -> Result<Json<ClientList>, ApiError> {
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(50);
    if page == 0 || page > MAX_PAGE {
        return Err(WebError::BadRequest(format!("page: from 1 to {MAX_PAGE}")).into());
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(WebError::BadRequest(format!("per_page: from 1 to {MAX_PER_PAGE}")).into());
    }
    let mut q: ClientQuery = crate::clients::visible_query(&me, query.q)?;
    q.limit = Some(i64::from(per_page));
    q.offset = i64::from(page - 1) * i64::from(per_page);
    let listed = state.store.listed_clients(&q).await?;
    Ok(Json(ClientList { clients: listed.clients, total: listed.total, page, per_page }))
}

/// A new client.
#[derive(Debug, Deserialize, ToSchema)]
struct NewClientBody {
    /// The name as the clinic writes it (not blank).
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    display_name: String,
    /// The clinic's own reference.
    #[serde(default)]
    #[schema(max_length = 100)]
    reference: Option<String>,
    /// Whether every practitioner of the clinic may see the client.
    #[serde(default)]
    shared_with_clinic: bool,
}

/// One client.
#[derive(Debug, Serialize, ToSchema)]
struct ClientReply {
    client: Client,
}

#[utoipa::path(post, path = "/api/clients", tag = "clients", request_body = NewClientBody, responses(
    JsonWriting,
    (status = 201, description = "The client, owned by the caller", body = ClientReply),
    (status = 403, description = "Staff only; or the CSRF token did not match", body = ErrorBody),
    (status = 422, description = "A field is missing or wrong; the message names it", body = ErrorBody),
))]
async fn create_client(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Json(body): Json<NewClientBody>,
) -> Result<(StatusCode, Json<ClientReply>), ApiError> {
    me.require_staff()?;
    let client = state
        .store
        .create_client(NewClient {
            owner: me.user.id,
            display_name: body.display_name,
            reference: body.reference,
            shared_with_clinic: body.shared_with_clinic,
        })
        .await?;
    crate::audit::record(&state, Some(me.user.id), Action::Create, RecordKind::Client, &client.id.to_string(), "api").await?;
    Ok((StatusCode::CREATED, Json(ClientReply { client })))
}

#[utoipa::path(get, path = "/api/clients/{id}", security(("session" = [])), tag = "clients", params(("id" = ClientId, Path, description = "The client's id")), responses(
    Reading, Audited, NoSuchClient,
    (status = 200, description = "The client", body = ClientReply),
))]
async fn get_client(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Json<ClientReply>, ApiError> {
    let client = access::view_client(&state, &me, &id, RecordKind::Client, "api").await?;
    Ok(Json(ClientReply { client }))
}

/// The query of an export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// `json` (the default), `fhir` or `zip`.
    #[param(inline)]
    format: Option<tonus_clinic::ExportFormat>,
}

#[utoipa::path(get, path = "/api/clients/{id}/export", security(("session" = [])), tag = "clients", params(("id" = ClientId, Path, description = "The client's id"), ExportQuery), responses(
    Reading, Audited, NoSuchClient,
    (status = 200, description = "The whole record: Tonus's own (application/json, tonus-client-export/1), a FHIR R4 Bundle (application/fhir+json, docs/fhir.md) or the ZIP archive", content(
        (Object = "application/json"),
        (Object = "application/fhir+json"),
        (Vec<u8> = "application/zip")
    )),
    (status = 400, description = "The format is not json, fhir or zip", body = ErrorBody),
    (status = 403, description = "Staff who may change the record only", body = ErrorBody),
))]
async fn export_client(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let format = q.format.unwrap_or(tonus_clinic::ExportFormat::Json);
    let bytes = state.clinic.export(Actor::user(me.user.id), client.id, format, "api").await?;
    let content_type = match format {
        tonus_clinic::ExportFormat::Json => "application/json",
        tonus_clinic::ExportFormat::Fhir => "application/fhir+json",
        tonus_clinic::ExportFormat::Zip => "application/zip",
    };
    let mut response = bytes.into_response();
    response.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(content_type));
    Ok(response)
}

/// What an import stored and what it did not read.
#[derive(Debug, Serialize, ToSchema)]
struct ImportReply {
    import: tonus_clinic::fhir::ImportOutcome,
}

/// `POST /api/clients/import`: a FHIR R4 Bundle (JSON) as the body becomes a client of the
/// caller; the answer lists what was stored and what was not read.
#[utoipa::path(post, path = "/api/clients/import", tag = "clients",
    request_body(content = Object, content_type = "application/fhir+json", description = "A FHIR R4 Bundle (docs/fhir.md): another Tonus's export, or another system's Bundle with one Patient"),
    responses(
        NotLoggedIn,
        (status = 201, description = "The client was stored; what was not read is listed", body = ImportReply),
        (status = 403, description = "Staff only; or the CSRF token did not match", body = ErrorBody),
        (status = 409, description = "The record is already in this clinic (some of its ids are here): erase it first to import it again", body = ErrorBody),
        (status = 413, description = "The body is over the upload limit", body = ErrorBody),
        (status = 422, description = "Not a readable Bundle: no Patient, several, no name, not JSON; the message names where", body = ErrorBody),
        (status = 507, description = "The clinic's storage is full: nothing was saved", body = ErrorBody),
    ))]
async fn import_client(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ImportReply>), ApiError> {
    me.require_staff()?;
    let outcome = state.clinic.import_fhir(Actor::user(me.user.id), me.user.id, &body).await?;
    Ok((StatusCode::CREATED, Json(ImportReply { import: outcome })))
}

/// What an erasure removed.
#[derive(Debug, Serialize, ToSchema)]
struct ErasedReply {
    erased: Erasure,
}

#[utoipa::path(delete, path = "/api/clients/{id}", tag = "clients", params(("id" = ClientId, Path, description = "The client's id")), responses(
    Reading, NoSuchClient,
    (status = 200, description = "The record, its photos and the client's login are erased", body = ErasedReply),
    (status = 403, description = "Staff who may change the record only; or the CSRF token did not match", body = ErrorBody),
    (status = 507, description = "The clinic's storage is full: nothing was erased", body = ErrorBody),
))]
async fn erase_client(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Path(id): Path<String>,
) -> Result<Json<ErasedReply>, ApiError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let erased = crate::clients::erase_record(&state, &me, client.id).await?;
    Ok(Json(ErasedReply { erased }))
}

/// A client's assessments.
#[derive(Debug, Serialize, ToSchema)]
struct AssessmentList {
    assessments: Vec<Assessment>,
}

#[utoipa::path(get, path = "/api/clients/{id}/assessments", security(("session" = [])), tag = "assessments", params(("id" = ClientId, Path, description = "The client's id")), responses(
    Reading, Audited, NoSuchClient,
    (status = 200, description = "The client's assessments, oldest first (a client sees completed ones only, without the form and intake)", body = AssessmentList),
))]
async fn list_assessments(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<AssessmentList>, ApiError> {
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    let mut assessments = state.store.assessments_for(client.id).await?;
    if me.require_staff().is_err() {
        assessments.retain(|a| a.status == AssessmentStatus::Complete);
    }
    let assessments = assessments.into_iter().map(|a| as_seen_by(a, &me)).collect();
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Client, &client.id.to_string(), "api assessments").await?;
    Ok(Json(AssessmentList { assessments }))
}

/// An assessment as the caller may see it: a client gets its dates and status, not the
/// therapist's form and intake (the screen's answers, the clearances' notes, the palpation).
fn as_seen_by(a: Assessment, me: &CurrentUser) -> Assessment {
    if me.user.role == Role::Client { Assessment { form: Value::Object(serde_json::Map::new()), intake: None, ..a } } else { a }
}

/// The form of an intake file's text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum IntakeFormat {
    /// TOML (the default).
    Toml,
    /// JSON.
    Json,
}

/// A new assessment: the intake (docs/intake.md) as an object or as a file's text, and the
/// landmark files.
#[derive(Debug, Deserialize, ToSchema)]
struct NewAssessmentBody {
    /// The intake as a JSON object in the intake file format (docs/intake.md).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    intake: Option<Value>,
    /// Or the intake file's text…
    #[serde(default)]
    intake_text: Option<String>,
    /// …in `toml` (the default) or `json`.
    #[serde(default)]
    intake_format: Option<IntakeFormat>,
    /// Landmark files (JSON objects, docs/landmarks in the README).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    landmarks: Vec<Value>,
    /// Complete and assess now (the default), or keep as a draft.
    #[serde(default = "yes")]
    #[schema(default = true)]
    complete: bool,
}

/// One assessment.
#[derive(Debug, Serialize, ToSchema)]
struct AssessmentReply {
    assessment: Assessment,
}

fn yes() -> bool {
    true
}

#[utoipa::path(post, path = "/api/clients/{id}/assessments", tag = "assessments", params(("id" = ClientId, Path, description = "The client's id")),
    request_body = NewAssessmentBody, responses(
    JsonWriting, NoSuchClient,
    (status = 201, description = "The assessment, assessed by the engine unless kept as a draft", body = AssessmentReply),
    (status = 422, description = "The intake or a landmark file is wrong; the message names the field", body = ErrorBody),
))]
async fn create_assessment(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Path(id): Path<String>,
    Json(body): Json<NewAssessmentBody>,
) -> Result<(StatusCode, Json<AssessmentReply>), ApiError> {
    me.require_staff()?;
    let client_id: ClientId = parse_id(&id)?;
    let client = access::client(&state, &me, client_id, Access::Write).await?;
    let intake = match (body.intake, body.intake_text) {
        (Some(value), None) => state.clinic.parse_intake(&value.to_string(), Format::Json, "intake")?,
        (None, Some(text)) => {
            let format = match body.intake_format {
                Some(IntakeFormat::Json) => Format::Json,
                None | Some(IntakeFormat::Toml) => Format::Toml,
            };
            state.clinic.parse_intake(&text, format, "intake_text")?
        }
        _ => return Err(WebError::BadRequest("give exactly one of intake or intake_text".into()).into()),
    };
    let landmarks = body
        .landmarks
        .iter()
        .enumerate()
        .map(|(i, l)| tonus_clinic::landmarks::parse_landmarks(l.to_string().as_bytes(), &format!("landmarks[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let assessment = state.clinic.create_from_files(Actor::user(me.user.id), client.id, &intake, landmarks, body.complete).await?;
    Ok((StatusCode::CREATED, Json(AssessmentReply { assessment })))
}

/// The engine's newest report of an assessment.
#[derive(Debug, Serialize, ToSchema)]
struct ReportReply {
    id: ReportId,
    assessment: AssessmentId,
    /// The report, format 2 (docs/report-json.md).
    #[schema(value_type = Object)]
    report: tonus_app::report::Report,
    engine_version: String,
    created_at: Timestamp,
}

/// An assessment's plan: the engine's, the therapist's edit, and the one the client follows.
#[derive(Debug, Serialize, ToSchema)]
struct PlanReply {
    assessment: AssessmentId,
    /// The engine's plan (the report's plan format, docs/report-json.md); none while a red
    /// flag blocks it.
    #[schema(value_type = Option<Object>)]
    engine_plan: Option<tonus_app::report::PlanView>,
    /// The therapist's edit, when there is one.
    #[schema(value_type = Option<Object>)]
    edited_plan: Option<tonus_app::report::PlanView>,
    edited_by: Option<UserId>,
    edited_at: Option<Timestamp>,
    /// Whether the red-flag screen blocks the plan.
    blocked: bool,
    /// The plan the client follows: the edit if any, else the engine's; none while blocked.
    #[schema(value_type = Option<Object>)]
    current: Option<tonus_app::report::PlanView>,
}

impl PlanReply {
    /// The plan as the caller may see it: a client sees the plan they follow, not the
    /// therapist's working papers (the engine's proposal beside the edit, who edited it).
    fn for_caller(plan: tonus_clinic::PlanRecord, me: &CurrentUser) -> Self {
        let reply = Self::from(plan);
        if me.user.role != Role::Client {
            return reply;
        }
        Self { engine_plan: None, edited_plan: None, edited_by: None, edited_at: None, ..reply }
    }
}

impl From<tonus_clinic::PlanRecord> for PlanReply {
    fn from(plan: tonus_clinic::PlanRecord) -> Self {
        let current = plan.current().cloned();
        Self {
            assessment: plan.assessment,
            engine_plan: plan.engine,
            edited_plan: plan.edited,
            edited_by: plan.edited_by,
            edited_at: plan.edited_at,
            blocked: plan.blocked,
            current,
        }
    }
}

/// An assessment with everything measured and concluded.
#[derive(Debug, Serialize, ToSchema)]
struct AssessmentDetail {
    assessment: Assessment,
    report: Option<ReportReply>,
    plan: Option<PlanReply>,
    landmark_sets: Vec<LandmarkSet>,
    photos: Vec<Photo>,
}

#[utoipa::path(get, path = "/api/assessments/{id}", security(("session" = [])), tag = "assessments", params(("id" = AssessmentId, Path, description = "The assessment's id")), responses(
    Reading, Audited,
    (status = 200, description = "The assessment with its report, plan, landmark sets and photos; for a client, the plan they follow and the photos only (the report is theirs on its page, in plain words)", body = AssessmentDetail),
    (status = 404, description = "No such assessment, or not one you may see (a client sees completed ones only)", body = ErrorBody),
))]
async fn get_assessment(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<AssessmentDetail>, ApiError> {
    let (_, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Assessment, &assessment.id.to_string(), "api").await?;
    let plan = state.clinic.plan(&assessment).await?.map(|p| PlanReply::for_caller(p, &me));
    if me.user.role == Role::Client {
        // A client reads their report on its page, in plain words (the therapist's report
        // holds the differentials and the screen's answers); here, the plan and the photos.
        let photos = state.store.photos_for(assessment.id).await?;
        let assessment = as_seen_by(assessment, &me);
        return Ok(Json(AssessmentDetail { assessment, report: None, plan, landmark_sets: Vec::new(), photos }));
    }
    let report = state.clinic.latest_report(assessment.id).await?.map(|r| ReportReply {
        id: r.id,
        assessment: r.assessment,
        report: r.report,
        engine_version: r.engine_version,
        created_at: r.created_at,
    });
    let landmark_sets = state.store.landmark_sets_for(assessment.id).await?;
    let photos = state.store.photos_for(assessment.id).await?;
    Ok(Json(AssessmentDetail { assessment, report, plan, landmark_sets, photos }))
}

/// An assessment's plan.
#[derive(Debug, Serialize, ToSchema)]
struct PlanGet {
    plan: PlanReply,
    /// The plan the client follows (as `plan.current`).
    #[schema(value_type = Option<Object>)]
    current: Option<tonus_app::report::PlanView>,
}

#[utoipa::path(get, path = "/api/assessments/{id}/plan", security(("session" = [])), tag = "assessments", params(("id" = AssessmentId, Path, description = "The assessment's id")), responses(
    Reading,
    (status = 200, description = "The plan: the engine's, the therapist's edit and the current one; for a client, the current one only", body = PlanGet),
    (status = 404, description = "No such assessment or no plan yet (a draft)", body = ErrorBody),
))]
async fn get_plan(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Json<PlanGet>, ApiError> {
    let (_, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Read).await?;
    let plan = state.clinic.plan(&assessment).await?.ok_or(WebError::NotFound)?;
    let current = plan.current().cloned();
    Ok(Json(PlanGet { plan: PlanReply::for_caller(plan, &me), current }))
}

/// The therapist's edited plan.
#[derive(Debug, Deserialize, ToSchema)]
struct PlanBody {
    /// The plan in the report's plan format (docs/report-json.md), read as an edit of the
    /// current plan, as the plan editor reads its form: the massage targets, their techniques
    /// and the dose; each exercise's id, phase, side and dose; and the note. Names, reasons,
    /// cautions, instructions and the phases' weeks come from the current plan and the library.
    #[schema(value_type = Object)]
    plan: tonus_app::report::PlanView,
}

/// The plan after an edit.
#[derive(Debug, Serialize, ToSchema)]
struct PlanPut {
    plan: PlanReply,
}

#[utoipa::path(put, path = "/api/assessments/{id}/plan", tag = "assessments", params(("id" = AssessmentId, Path, description = "The assessment's id")),
    request_body = PlanBody, responses(
    JsonWriting, NoSuchAssessment,
    (status = 200, description = "The edit is stored as the therapist's, beside the engine's plan", body = PlanPut),
    (status = 409, description = "A red flag blocks the plan, or the assessment is a draft", body = ErrorBody),
    (status = 422, description = "The plan does not read, or names what the library lacks", body = ErrorBody),
))]
async fn put_plan(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Path(id): Path<String>,
    Json(body): Json<PlanBody>,
) -> Result<Json<PlanPut>, ApiError> {
    me.require_staff()?;
    let (_, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Write).await?;
    // The same checks as the plan editor's form: the plan is read as an edit of the current
    // one (exercises and techniques from the library, doses and the note in bounds, each
    // exercise in one of the plan's phases), never stored as sent.
    let edit = tonus_clinic::plans::PlanEdit::of(&body.plan, state.clinic.engine().kb());
    let plan = state.clinic.edit_plan_with(Actor::user(me.user.id), &assessment, &edit).await.map_err(|mut problems| {
        match problems.iter().position(|p| p.kind != tonus_clinic::ErrorKind::Invalid) {
            Some(i) => ApiError::from(problems.swap_remove(i)),
            None => ApiError(WebError::BadRequest(problems.iter().map(tonus_clinic::ClinicError::shown).collect::<Vec<_>>().join("; "))),
        }
    })?;
    Ok(Json(PlanPut { plan: plan.into() }))
}

/// The view of an uploaded photo.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PhotoQuery {
    /// Which side of the client faces the camera.
    #[param(inline)]
    view: ViewName,
}

/// One photo.
#[derive(Debug, Serialize, ToSchema)]
struct PhotoReply {
    photo: Photo,
}

#[utoipa::path(post, path = "/api/assessments/{id}/photos", tag = "assessments", params(("id" = AssessmentId, Path, description = "The draft's id"), PhotoQuery),
    request_body(content = Vec<u8>, description = "The photo's bytes", content(
        (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp")
    )), responses(
    NotLoggedIn, NoSuchAssessment,
    (status = 201, description = "The photo is stored (the same bytes sent again are the photo already stored)", body = PhotoReply),
    (status = 400, description = "The view is missing or not a view", body = ErrorBody),
    (status = 403, description = "Staff who may change the record only; or the CSRF token did not match", body = ErrorBody),
    (status = 409, description = "The assessment is complete; start a new one", body = ErrorBody),
    (status = 413, description = "The photo is over the upload limit", body = ErrorBody),
    (status = 422, description = "Not a JPEG, PNG or WebP photo", body = ErrorBody),
    (status = 507, description = "The clinic's storage is full: nothing was saved", body = ErrorBody),
))]
async fn upload_photo(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Path(id): Path<String>,
    Query(query): Query<PhotoQuery>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<PhotoReply>), ApiError> {
    me.require_staff()?;
    let (_, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Write).await?;
    let view = query.view.into();
    let photo = state.clinic.add_photo(Actor::user(me.user.id), &assessment, body.to_vec(), view, "body").await?;
    Ok((StatusCode::CREATED, Json(PhotoReply { photo })))
}

/// A client's notes.
#[derive(Debug, Serialize, ToSchema)]
struct NoteList {
    notes: Vec<Note>,
}

#[utoipa::path(get, path = "/api/clients/{id}/notes", security(("session" = [])), tag = "clients", params(("id" = ClientId, Path, description = "The client's id")), responses(
    Reading, Audited, NoSuchClient,
    (status = 200, description = "The client's notes, oldest first", body = NoteList),
    (status = 403, description = "Staff only", body = ErrorBody),
))]
async fn list_notes(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Json<NoteList>, ApiError> {
    me.require_staff()?;
    let client = access::view_client(&state, &me, &id, RecordKind::Client, "api notes").await?;
    Ok(Json(NoteList { notes: state.store.notes_for(client.id).await? }))
}

/// A new note.
#[derive(Debug, Deserialize, ToSchema)]
struct NoteBody {
    /// The note (not blank).
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    body: String,
    /// One of the client's assessments it is about.
    #[serde(default)]
    #[schema(value_type = Option<AssessmentId>)]
    assessment: Option<String>,
}

/// One note.
#[derive(Debug, Serialize, ToSchema)]
struct NoteReply {
    note: Note,
}

#[utoipa::path(post, path = "/api/clients/{id}/notes", tag = "clients", params(("id" = ClientId, Path, description = "The client's id")),
    request_body = NoteBody, responses(
    JsonWriting, NoSuchClient,
    (status = 201, description = "The note", body = NoteReply),
    (status = 409, description = "The assessment named is not one of this client's", body = ErrorBody),
    (status = 422, description = "A field is missing or wrong; the message names it", body = ErrorBody),
))]
async fn add_note(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Path(id): Path<String>,
    Json(body): Json<NoteBody>,
) -> Result<(StatusCode, Json<NoteReply>), ApiError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let assessment = match body.assessment.as_deref() {
        Some(text) => {
            // An assessment the body names that the client does not have clashes with the
            // record as it stands (409); the client itself is there.
            let not_theirs = || WebError::Conflict(format!("assessment: {text} is not one of this client's assessments"));
            let (owner, assessment) = access::assessment(&state, &me, parse_id(text)?, Access::Write).await.map_err(|e| match e {
                WebError::NotFound => not_theirs(),
                other => other,
            })?;
            if owner.id != client.id {
                return Err(not_theirs().into());
            }
            Some(assessment.id)
        }
        None => None,
    };
    let note = state.store.add_note(tonus_store::NewNote { client: client.id, assessment, author: me.user.id, body: body.body }).await?;
    crate::audit::record(&state, Some(me.user.id), Action::Create, RecordKind::Note, &client.id.to_string(), &note.id.to_string()).await?;
    Ok((StatusCode::CREATED, Json(NoteReply { note })))
}

/// What the desk page sends: whole days' totals, measured in the client's browser.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeskDaysBody {
    /// At most 60 days.
    #[schema(max_items = 60)]
    days: Vec<DeskDayBody>,
}

/// One day's totals; a stored field keeps the larger of the stored and the sent value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DeskDayBody {
    /// `YYYY-MM-DD`.
    #[schema(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    day: String,
    #[serde(deserialize_with = "integral")]
    #[schema(minimum = 0, maximum = 86_400_000)]
    sitting_ms: i64,
    #[serde(deserialize_with = "integral")]
    #[schema(minimum = 0, maximum = 86_400_000)]
    longest_bout_ms: i64,
    #[serde(deserialize_with = "integral")]
    #[schema(minimum = 0, maximum = 10_000)]
    breaks_offered: i64,
    #[serde(deserialize_with = "integral")]
    #[schema(minimum = 0, maximum = 10_000)]
    breaks_taken: i64,
    #[serde(deserialize_with = "integral")]
    #[schema(minimum = 0, maximum = 86_400_000)]
    readable_ms: i64,
    #[serde(deserialize_with = "integral")]
    #[schema(minimum = 0, maximum = 86_400_000)]
    within_ms: i64,
    #[serde(deserialize_with = "integral")]
    #[schema(minimum = 0, maximum = 10_000)]
    nudges: i64,
    #[serde(deserialize_with = "integral")]
    #[schema(minimum = 0, maximum = 10_000)]
    exercises_done: i64,
}

/// An integer, also when written as a number with no fraction (`144.0`), as JSON Schema's
/// `integer` allows.
fn integral<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(serde::de::Error::custom(format!("{n} is not a whole number"))),
    }
}

/// The most days one request may carry (two months offline).
const MAX_DESK_DAYS: usize = 60;
/// The oldest day a desk upload may carry, in days before today: a page kept offline for
/// months still sends its days, and a client's rows stay bounded (the page drops days older
/// than a year without sending them).
const OLDEST_DESK_DAY: i64 = 366;

impl DeskDaysBody {
    /// The days, each checked (date, ranges), or the first problem naming its day and field.
    pub(crate) fn into_days(self) -> Result<Vec<tonus_store::DeskDay>, WebError> {
        if self.days.len() > MAX_DESK_DAYS {
            return Err(WebError::BadRequest(format!("days: at most {MAX_DESK_DAYS} in one request, got {}", self.days.len())));
        }
        // A day older than a year, or after tomorrow (a client's clock a day ahead), is none
        // the page sends.
        let today = Date::parse(&crate::format::date(Timestamp::now())).ok_or_else(|| WebError::Engine("today is not a date".into()))?;
        let window = today.add_days(-OLDEST_DESK_DAY)..=today.add_days(1);
        self.days
            .into_iter()
            .map(|d| {
                if let Some(date) = Date::parse(&d.day)
                    && !window.contains(&date)
                {
                    return Err(WebError::BadRequest(format!(
                        "day {}: only days from {} to {} are kept",
                        d.day,
                        window.start(),
                        window.end()
                    )));
                }
                let day = tonus_store::DeskDay {
                    day: d.day,
                    sitting_ms: d.sitting_ms,
                    longest_bout_ms: d.longest_bout_ms,
                    breaks_offered: d.breaks_offered,
                    breaks_taken: d.breaks_taken,
                    readable_ms: d.readable_ms,
                    within_ms: d.within_ms,
                    nudges: d.nudges,
                    exercises_done: d.exercises_done,
                };
                day.check().map_err(WebError::from)?;
                Ok(day)
            })
            .collect()
    }
}

/// How many days were stored.
#[derive(Debug, Serialize, ToSchema)]
struct StoredReply {
    stored: usize,
}

#[utoipa::path(post, path = "/api/desk/days", tag = "desk", request_body = DeskDaysBody, responses(
    JsonWriting,
    (status = 200, description = "Stored; each field keeps the larger of the stored and the sent value, so sending again changes nothing", body = StoredReply),
    (status = 403, description = "A client's own desk page only; or the CSRF token did not match", body = ErrorBody),
    (status = 404, description = "The account has no client record", body = ErrorBody),
    (status = 422, description = "A day or a total is out of range; the message names it", body = ErrorBody),
))]
async fn put_desk_days(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Json(body): Json<DeskDaysBody>,
) -> Result<Json<StoredReply>, ApiError> {
    me.require_role(&[Role::Client])?;
    let client = state.store.client_for_user(me.user.id).await?.ok_or(WebError::NotFound)?;
    let days = body.into_days()?;
    state.store.put_desk_days(client.id, &days).await?;
    let span = match (days.iter().map(|d| d.day.as_str()).min(), days.iter().map(|d| d.day.as_str()).max()) {
        (Some(first), Some(last)) => format!("desk days: {} from {first} to {last}", days.len()),
        _ => "desk days: none".to_owned(),
    };
    crate::audit::record(&state, Some(me.user.id), Action::Update, RecordKind::Client, &client.id.to_string(), &span).await?;
    Ok(Json(StoredReply { stored: days.len() }))
}

#[utoipa::path(get, path = "/api/photos/{id}", security(("session" = [])), tag = "assessments", params(("id" = tonus_store::PhotoId, Path, description = "The photo's id")), responses(
    Reading, Audited,
    (status = 200, description = "The photo's bytes", content(
        (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp")
    )),
    (status = 404, description = "No such photo, or not one you may see", body = ErrorBody),
))]
async fn get_photo(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(crate::assessments::photo_response(&state, &me, &id).await?)
}
