//! The JSON API under `/api`: the same resources and access rules as the pages.
//!
//! Log in with `POST /api/login` (the session cookie is set and the CSRF token returned);
//! every state-changing call must send that token in `X-CSRF-Token`. Described by
//! `/api/openapi.json`. Photos are uploaded as the raw request body.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tonus_app::intake::Format;
use tonus_clinic::Actor;
use tonus_clinic::{Action, RecordKind};
use tonus_store::{AssessmentStatus, ClientId, NewClient, Role};

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
    api_routes(Router::new())
}

async fn session(me: CurrentUser) -> Json<Value> {
    Json(json!({ "user": me.user, "csrf_token": me.csrf }))
}

async fn logout(State(state): State<AppState>, ApiWriter(me): ApiWriter) -> Result<Response, ApiError> {
    state.store.delete_session(&me.token_hash).await?;
    state.sessions.clear();
    crate::audit::record(&state, Some(me.user.id), Action::Logout, RecordKind::User, &me.user.id.to_string(), "").await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(axum::http::header::SET_COOKIE, crate::auth::cookie(&state, None));
    Ok(response)
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn list_clients(State(state): State<AppState>, me: CurrentUser, Query(query): Query<SearchQuery>) -> Result<Json<Value>, ApiError> {
    let clients = crate::clients::visible_clients(&state, &me, query.q).await?;
    Ok(Json(json!({ "clients": clients })))
}

#[derive(Debug, Deserialize)]
struct NewClientBody {
    display_name: String,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    shared_with_clinic: bool,
}

async fn create_client(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Json(body): Json<NewClientBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
    Ok((StatusCode::CREATED, Json(json!({ "client": client }))))
}

async fn get_client(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Client, &client.id.to_string(), "api").await?;
    Ok(Json(json!({ "client": client })))
}

/// The query of an export: `format=json` (Tonus's record, the default), `fhir` or `zip`.
#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

async fn export_client(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let format = match q.format.as_deref() {
        None => tonus_clinic::ExportFormat::Json,
        Some(name) => tonus_clinic::ExportFormat::parse(name)
            .ok_or_else(|| WebError::BadRequest(format!("format: {name:?} is not json, fhir or zip")))?,
    };
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

/// `POST /api/clients/import`: a FHIR R4 Bundle (JSON) as the body becomes a client of the
/// caller; the answer lists what was stored and what was not read.
async fn import_client(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    me.require_staff()?;
    let outcome = state.clinic.import_fhir(Actor::user(me.user.id), me.user.id, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "import": outcome }))))
}

async fn erase_client(State(state): State<AppState>, ApiWriter(me): ApiWriter, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let erased = crate::clients::erase_record(&state, &me, client.id).await?;
    Ok(Json(json!({ "erased": erased })))
}

async fn list_assessments(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    let mut assessments = state.store.assessments_for(client.id).await?;
    if me.require_staff().is_err() {
        assessments.retain(|a| a.status == AssessmentStatus::Complete);
    }
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Client, &client.id.to_string(), "api assessments").await?;
    Ok(Json(json!({ "assessments": assessments })))
}

#[derive(Debug, Deserialize)]
struct NewAssessmentBody {
    /// The intake as a JSON object in the intake file format.
    #[serde(default)]
    intake: Option<Value>,
    /// Or the intake file's text…
    #[serde(default)]
    intake_text: Option<String>,
    /// …in `toml` or `json`.
    #[serde(default)]
    intake_format: Option<String>,
    /// Landmark files (JSON objects).
    #[serde(default)]
    landmarks: Vec<Value>,
    /// Complete and assess now (default), or keep as a draft.
    #[serde(default = "yes")]
    complete: bool,
}

fn yes() -> bool {
    true
}

async fn create_assessment(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Path(id): Path<String>,
    Json(body): Json<NewAssessmentBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    me.require_staff()?;
    let client_id: ClientId = parse_id(&id)?;
    let client = access::client(&state, &me, client_id, Access::Write).await?;
    let intake = match (body.intake, body.intake_text) {
        (Some(value), None) => state.clinic.parse_intake(&value.to_string(), Format::Json, "intake")?,
        (None, Some(text)) => {
            let format = match body.intake_format.as_deref() {
                Some("json") => Format::Json,
                None | Some("toml") => Format::Toml,
                Some(other) => {
                    return Err(WebError::BadRequest(format!("intake_format: \"{other}\" is not toml or json")).into());
                }
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
    Ok((StatusCode::CREATED, Json(json!({ "assessment": assessment }))))
}

async fn get_assessment(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let (_, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Assessment, &assessment.id.to_string(), "api").await?;
    let report = state.clinic.latest_report(assessment.id).await?.map(|r| {
        json!({"id": r.id, "assessment": r.assessment, "report": r.report, "engine_version": r.engine_version, "created_at": r.created_at})
    });
    let plan = state.clinic.plan(&assessment).await?.map(plan_json);
    let landmark_sets = state.store.landmark_sets_for(assessment.id).await?;
    let photos = state.store.photos_for(assessment.id).await?;
    Ok(Json(json!({
        "assessment": assessment,
        "report": report,
        "plan": plan,
        "landmark_sets": landmark_sets,
        "photos": photos,
    })))
}

fn plan_json(plan: tonus_clinic::PlanRecord) -> Value {
    json!({
        "assessment": plan.assessment,
        "engine_plan": plan.engine,
        "edited_plan": plan.edited,
        "edited_by": plan.edited_by,
        "edited_at": plan.edited_at,
        "blocked": plan.blocked,
        "current": plan.current(),
    })
}

async fn get_plan(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let (_, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Read).await?;
    let plan = state.clinic.plan(&assessment).await?.ok_or(WebError::NotFound)?;
    let current = plan.current().cloned();
    Ok(Json(json!({ "plan": plan_json(plan), "current": current })))
}

#[derive(Debug, Deserialize)]
struct PlanBody {
    plan: tonus_app::report::PlanView,
}

async fn put_plan(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Path(id): Path<String>,
    Json(body): Json<PlanBody>,
) -> Result<Json<Value>, ApiError> {
    me.require_staff()?;
    let (_, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Write).await?;
    let plan = state.clinic.edit_plan(Actor::user(me.user.id), &assessment, &body.plan).await?;
    Ok(Json(json!({ "plan": plan_json(plan) })))
}

#[derive(Debug, Deserialize)]
struct PhotoQuery {
    view: String,
}

async fn upload_photo(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Path(id): Path<String>,
    Query(query): Query<PhotoQuery>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    me.require_staff()?;
    let (_, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Write).await?;
    let view = crate::assessments::parse_view(&query.view)?;
    let photo = state.clinic.add_photo(Actor::user(me.user.id), &assessment, body.to_vec(), view, "body").await?;
    Ok((StatusCode::CREATED, Json(json!({ "photo": photo }))))
}

async fn list_notes(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Client, &client.id.to_string(), "api notes").await?;
    Ok(Json(json!({ "notes": state.store.notes_for(client.id).await? })))
}

#[derive(Debug, Deserialize)]
struct NoteBody {
    body: String,
    #[serde(default)]
    assessment: Option<String>,
}

async fn add_note(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Path(id): Path<String>,
    Json(body): Json<NoteBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let assessment = match body.assessment.as_deref() {
        Some(text) => {
            let (owner, assessment) = access::assessment(&state, &me, parse_id(text)?, Access::Write).await?;
            if owner.id != client.id {
                return Err(WebError::BadRequest("assessment: it belongs to another client".into()).into());
            }
            Some(assessment.id)
        }
        None => None,
    };
    let note = state.store.add_note(tonus_store::NewNote { client: client.id, assessment, author: me.user.id, body: body.body }).await?;
    crate::audit::record(&state, Some(me.user.id), Action::Create, RecordKind::Note, &client.id.to_string(), &note.id.to_string()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "note": note }))))
}

/// What the desk page sends: whole days' totals, measured in the client's browser.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeskDaysBody {
    days: Vec<DeskDayBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeskDayBody {
    day: String,
    sitting_ms: i64,
    longest_bout_ms: i64,
    breaks_offered: i64,
    breaks_taken: i64,
    readable_ms: i64,
    within_ms: i64,
    nudges: i64,
    exercises_done: i64,
}

/// The most days one request may carry (two months offline).
const MAX_DESK_DAYS: usize = 60;

impl DeskDaysBody {
    /// The days, each checked (date, ranges), or the first problem naming its day and field.
    pub(crate) fn into_days(self) -> Result<Vec<tonus_store::DeskDay>, WebError> {
        if self.days.len() > MAX_DESK_DAYS {
            return Err(WebError::BadRequest(format!("days: at most {MAX_DESK_DAYS} in one request, got {}", self.days.len())));
        }
        self.days
            .into_iter()
            .map(|d| {
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

async fn put_desk_days(
    State(state): State<AppState>,
    ApiWriter(me): ApiWriter,
    Json(body): Json<DeskDaysBody>,
) -> Result<Json<Value>, ApiError> {
    me.require_role(&[Role::Client])?;
    let client = state.store.client_for_user(me.user.id).await?.ok_or(WebError::NotFound)?;
    let days = body.into_days()?;
    state.store.put_desk_days(client.id, &days).await?;
    let span = match (days.iter().map(|d| d.day.as_str()).min(), days.iter().map(|d| d.day.as_str()).max()) {
        (Some(first), Some(last)) => format!("desk days: {} from {first} to {last}", days.len()),
        _ => "desk days: none".to_owned(),
    };
    crate::audit::record(&state, Some(me.user.id), Action::Update, RecordKind::Client, &client.id.to_string(), &span).await?;
    Ok(Json(json!({ "stored": days.len() })))
}

async fn get_photo(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(crate::assessments::photo_response(&state, &me, &id).await?)
}
