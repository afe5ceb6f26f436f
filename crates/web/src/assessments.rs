//! Assessment pages: the intake form with inline validation and draft saves, photo and
//! landmark uploads, the report, and the therapist's plan edits.
//!
//! A draft keeps exactly what was typed, invalid fields included; completing validates the
//! whole intake, runs the engine on it and the stored landmark sets, and stores intake,
//! report and plan in one transaction. An uploaded photo can have its landmarks found
//! automatically (the pose model through `engine.rs`); a landmark file can be uploaded instead.

use std::sync::Arc;
use tonus_clinic::{Action, RecordKind};

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tonus_app::intake::{Format, Intake};
use tonus_app::landmarks::Posture;
use tonus_clinic::{Actor, ErrorKind};
use tonus_store::{Assessment, AssessmentStatus, Client, LandmarkSource, PhotoId, Timestamp, UserId, View};

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::form::{CsrfForm, check_csrf};
use crate::format;
use crate::intake_form::{self, FieldErrors, FormValues, SectionView};
use crate::pages::Layout;
use crate::report_cache::{self, RenderedReport};
use crate::state::AppState;

/// A stored photo as the report and form pages list it.
pub(crate) struct PhotoItem {
    pub id: String,
    pub view: String,
    pub size_kb: String,
    /// No landmark set was found on it (no person detected): it measures nothing.
    pub unmeasured: bool,
}

impl From<&tonus_store::Photo> for PhotoItem {
    fn from(p: &tonus_store::Photo) -> Self {
        Self {
            id: p.id.to_string(),
            view: p.view.as_str().to_owned(),
            size_kb: format!("{:.0} kB", p.byte_len as f64 / 1024.0),
            unmeasured: false,
        }
    }
}

impl PhotoItem {
    pub(crate) fn text_bytes(&self) -> usize {
        self.id.len() + self.view.len() + self.size_kb.len()
    }
}

struct LandmarkItem {
    view: String,
    provenance: String,
    photo: String,
}

#[derive(Template)]
#[template(path = "assessments/form.html")]
struct FormPage {
    layout: Layout,
    client_id: String,
    client_name: String,
    action: String,
    assessment_id: String,
    sections: Vec<SectionView>,
    form_error: Option<String>,
    notice: Option<String>,
    error_count: usize,
    intake_text: String,
    intake_format: String,
    photos: Vec<PhotoItem>,
    landmarks: Vec<LandmarkItem>,
    /// What went wrong with the last photo upload, shown at the photos ([`PHOTO_UPLOAD`]).
    photo_error: Option<String>,
    /// The server's limit on one upload, in bytes and in words: the page checks the chosen
    /// files against it before sending them.
    max_upload_bytes: usize,
    upload_limit: String,
    /// The photos a new assessment's form may carry: the limit less room for the typed fields,
    /// so that a form that fits the check is never refused (which would lose what was typed).
    max_form_photo_bytes: usize,
    form_photo_limit: String,
}

/// The errors key of a photo upload's problems (not a field of the intake).
const PHOTO_UPLOAD: &str = "photo_upload";

fn today() -> String {
    format::date(Timestamp::now())
}

#[allow(clippy::too_many_arguments, reason = "one view model, assembled in one place")]
async fn render_form(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    assessment: Option<&Assessment>,
    values: &FormValues,
    errors: &FieldErrors,
    notice: Option<String>,
) -> Result<Html<String>, WebError> {
    let catalog = intake_form::Catalog::of(state.clinic.engine().kb());
    let (photos, landmarks) = match assessment {
        Some(a) => {
            let sets = state.store.landmark_sets_for(a.id).await?;
            // A photo no landmark set was found on is flagged, not silently kept.
            let photos: Vec<PhotoItem> = state
                .store
                .photos_for(a.id)
                .await?
                .iter()
                .map(|p| PhotoItem { unmeasured: !sets.iter().any(|s| s.photo == Some(p.id)), ..PhotoItem::from(p) })
                .collect();
            let landmarks = sets
                .into_iter()
                .map(|l| LandmarkItem {
                    photo: l.photo.map(|p| p.to_string()).unwrap_or_default(),
                    provenance: provenance(&l.model, &l.model_version, l.source, &l.moved_points),
                    view: l.view.map_or("detected from the landmarks", View::as_str).to_owned(),
                })
                .collect();
            (photos, landmarks)
        }
        None => (Vec::new(), Vec::new()),
    };
    let first = |name: &str| values.get(name).and_then(|v| v.first()).cloned().unwrap_or_default();
    let max_upload_bytes = state.settings().max_upload_bytes;
    let max_form_photo_bytes = max_upload_bytes.saturating_sub(256 * 1024);
    let page = FormPage {
        layout: Layout::for_user("Assessment", me),
        client_id: client.id.to_string(),
        client_name: client.display_name.clone(),
        action: match assessment {
            Some(a) => format!("/assessments/{}", a.id),
            None => format!("/clients/{}/assessments", client.id),
        },
        assessment_id: assessment.map(|a| a.id.to_string()).unwrap_or_default(),
        sections: intake_form::view(&catalog, values, errors),
        form_error: errors.get("").cloned(),
        notice,
        error_count: errors.keys().filter(|k| *k != PHOTO_UPLOAD).count(),
        intake_text: first("intake_text"),
        intake_format: first("intake_format"),
        photos,
        landmarks,
        photo_error: errors.get(PHOTO_UPLOAD).cloned(),
        max_upload_bytes,
        upload_limit: megabytes(max_upload_bytes),
        max_form_photo_bytes,
        form_photo_limit: megabytes(max_form_photo_bytes),
    };
    Ok(Html(page.render()?))
}

/// A size limit as a person reads it ("8 MB", "1.5 MB"; MB of 1,048,576 bytes).
fn megabytes(bytes: usize) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if (mb - mb.round()).abs() < 0.05 { format!("{mb:.0} MB") } else { format!("{mb:.1} MB") }
}

fn provenance(model: &str, version: &str, source: LandmarkSource, moved: &[String]) -> String {
    let mut text = match source {
        LandmarkSource::Automatic => format!("automatic, {model} {version}"),
        LandmarkSource::Manual => format!("manual ({model})"),
        LandmarkSource::Marker => format!("skin markers ({model})"),
    };
    if !moved.is_empty() {
        text.push_str(&format!(", {} point(s) moved by hand", moved.len()));
    }
    text.trim().to_owned()
}

pub(crate) async fn new_form(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Html<String>, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    // A reassessment starts from the last completed intake's client details and exposure;
    // the red-flag screen, symptoms, outcome measures and tests are asked afresh.
    let previous = state
        .store
        .assessments_for(client.id)
        .await?
        .into_iter()
        .rev()
        .find(|a| a.status == AssessmentStatus::Complete && a.intake.is_some());
    let (mut values, notice) = match previous {
        Some(a) => (
            state.clinic.intake_of(&a)?.map(|i| intake_form::prefill(&i, &["client.", "exposure."])).unwrap_or_default(),
            Some(format!(
                "Client details and exposure are filled in from the assessment of {}; check them with the client. \
                 Everything else is asked afresh.",
                a.completed_at.map(format::date).unwrap_or_default()
            )),
        ),
        None => (FormValues::new(), None),
    };
    values.entry("client.name".into()).or_insert_with(|| vec![client.display_name.clone()]);
    values.insert("assessed_on".into(), vec![today()]);
    render_form(&state, &me, &client, None, &values, &FieldErrors::new(), notice).await
}

/// Posted form: the raw pairs, so nothing typed is lost.
type Pairs = Vec<(String, String)>;

/// `POST /clients/{id}/assessments`: a new assessment's form, with any photos chosen on it
/// (the new form is multipart for them): the draft is saved first, then its photos, then the
/// action (save, photos, complete) runs on it.
pub(crate) async fn create(State(state): State<AppState>, Path(id): Path<String>, post: DraftPost) -> Result<Response, WebError> {
    let DraftPost { me, mut pairs, photos } = post;
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let action = action_of(&pairs);
    let view = match field(&pairs, "photo_view") {
        None | Some("") => View::SideLeft,
        Some(text) => parse_view(text)?,
    };
    let detect = field(&pairs, "photo_detect") == Some("on");
    pairs.retain(|(k, _)| !k.starts_with("photo_"));
    let mut values = intake_form::from_pairs(pairs);
    intake_form::answer_none_of_these(&intake_form::Catalog::of(state.clinic.engine().kb()), &mut values);
    let assessment = state.clinic.start_draft(Actor::user(me.user.id), client.id, intake_form::to_json(&values), None).await?;
    let id = assessment.id;
    let mut refused = 0;
    if !photos.is_empty() {
        let count = photos.len();
        // The draft is saved: a photo that fails for another reason (a full disk) is counted as
        // not used on the draft's page, rather than an error page that hides the draft.
        refused = match save_photos(&state, &me, &assessment, photos, view, Posture::Sitting, detect).await {
            Ok(problems) => problems.len(),
            Err(e) => {
                tracing::warn!(error = %e, "photos of a new assessment's form were not saved");
                count
            }
        };
    }
    // With photos refused, the draft's page says so at its photos rather than completing.
    let action = if refused > 0 { "photos".to_owned() } else { action };
    let response = process(&state, &me, &client, assessment, values, &action).await?;
    // Post/redirect/get: a reload must not create a second draft, so anything but the
    // redirect to the finished report goes to the draft's own page, which shows its problems.
    if response.status().is_redirection() {
        return Ok(response);
    }
    let refused = if refused > 0 { format!("&refused={refused}") } else { String::new() };
    let at = if action == "photos" { "#photos" } else { "" };
    Ok(Redirect::to(&format!("/assessments/{id}/edit?saved=1{refused}{at}")).into_response())
}

/// The assessment form as posted: URL-encoded, or multipart from a new assessment's page,
/// which can carry photos (`photo_files`). Its fields as pairs, the photos by file name, and
/// the CSRF token checked.
pub(crate) struct DraftPost {
    me: CurrentUser,
    pairs: Pairs,
    photos: Vec<(String, Vec<u8>)>,
}

impl axum::extract::FromRequest<AppState> for DraftPost {
    type Rejection = WebError;

    async fn from_request(request: axum::extract::Request, state: &AppState) -> Result<Self, WebError> {
        use axum::extract::FromRequestParts as _;
        let multipart =
            request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let CsrfForm(me, pairs) = CsrfForm::<Pairs>::from_request(request, state).await?;
            return Ok(DraftPost { me, pairs, photos: Vec::new() });
        }
        let (mut parts, body) = request.into_parts();
        let me = CurrentUser::from_request_parts(&mut parts, state).await?;
        let mut form = Multipart::from_request(axum::extract::Request::from_parts(parts, body), state)
            .await
            .map_err(|_| WebError::BadRequest("the form could not be read".into()))?;
        let bad = |e| unreadable(e, "the form");
        let (mut pairs, mut photos) = (Vec::new(), Vec::new());
        while let Some(field) = form.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "photo_files" {
                let file = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(bad)?.to_vec();
                // A file input left empty still sends an empty part.
                if !(bytes.is_empty() && file.is_empty()) {
                    photos.push((if file.is_empty() { "upload".to_owned() } else { file }, bytes));
                }
            } else {
                pairs.push((name, field.text().await.map_err(bad)?));
            }
        }
        check_csrf(&me, field(&pairs, "csrf"))?;
        Ok(DraftPost { me, pairs, photos })
    }
}

pub(crate) async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let (client, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Write).await?;
    if assessment.status == AssessmentStatus::Complete {
        return Err(WebError::Conflict("this assessment is complete; start a new one to reassess".into()));
    }
    let action = action_of(&pairs);
    let mut values = intake_form::from_pairs(pairs);
    intake_form::answer_none_of_these(&intake_form::Catalog::of(state.clinic.engine().kb()), &mut values);
    process(&state, &me, &client, assessment, values, &action).await
}

fn draft_notice(errors: usize) -> String {
    if errors == 0 {
        "Draft saved. Every field is valid; complete it when ready.".to_owned()
    } else {
        format!("Draft saved with {errors} field(s) still to fix; nothing you typed was lost.")
    }
}

/// A posted field's first value.
fn field<'a>(pairs: &'a Pairs, name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn action_of(pairs: &Pairs) -> String {
    field(pairs, "action").unwrap_or("save").to_owned()
}

/// The intake from a pasted file, if one was given, else from the fields.
fn intake_from(state: &AppState, values: &FormValues) -> Result<Intake, FieldErrors> {
    let pasted = values.get("intake_text").and_then(|v| v.first()).map(|s| s.trim()).filter(|s| !s.is_empty());
    let intake = match pasted {
        Some(text) => {
            let format = match values.get("intake_format").and_then(|v| v.first()).map(String::as_str) {
                Some("json") => Format::Json,
                _ => Format::Toml,
            };
            state
                .clinic
                .parse_intake(text, format, "pasted intake")
                .map_err(|e| FieldErrors::from([("intake_text".to_owned(), e.shown())]))?
        }
        None => {
            let catalog = intake_form::Catalog::of(state.clinic.engine().kb());
            let mut errors = intake_form::unanswered_red_flags(&catalog, values);
            match intake_form::build(&catalog, values) {
                Ok(intake) if errors.is_empty() => intake,
                Ok(_) => return Err(errors),
                Err(more) => {
                    errors.extend(more);
                    return Err(errors);
                }
            }
        }
    };
    // Every problem at once, each at its field (a pasted file's at the paste box, named).
    state.clinic.check_intake_all(&intake, "assessment form").map_err(|all| {
        let mut errors = FieldErrors::new();
        for e in all {
            let field = match (&e.field, pasted) {
                (_, Some(_)) => "intake_text".to_owned(),
                (Some(field), None) => field.clone(),
                (None, None) => String::new(),
            };
            let message = match (&e.field, pasted) {
                (Some(_), Some(_)) => e.shown(),
                _ => e.message,
            };
            errors
                .entry(field)
                .and_modify(|m: &mut String| {
                    m.push_str("; ");
                    m.push_str(&message);
                })
                .or_insert(message);
        }
        errors
    })?;
    Ok(intake)
}

async fn process(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    assessment: Assessment,
    values: FormValues,
    action: &str,
) -> Result<Response, WebError> {
    match save_form(state, me, client, &assessment, &values, action).await {
        // A full disk: the same form again, with everything typed in it, and why it was not
        // saved; the draft as last saved is untouched.
        Err(WebError::StorageFull(cause)) => {
            WebError::StorageFull(cause).log();
            let errors = FieldErrors::new();
            let page = render_form(state, me, client, Some(&assessment), &values, &errors, Some(tonus_clinic::FULL.into())).await?;
            Ok((StatusCode::INSUFFICIENT_STORAGE, page).into_response())
        }
        other => other,
    }
}

async fn save_form(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    assessment: &Assessment,
    values: &FormValues,
    action: &str,
) -> Result<Response, WebError> {
    let assessment = assessment.clone();
    let actor = Actor::user(me.user.id);
    let form = intake_form::to_json(values);
    let checked = intake_from(state, values);
    if action != "complete" {
        let saved = state.clinic.save_draft(actor, &assessment, form, checked.as_ref().ok()).await?;
        let errors = checked.err().unwrap_or_default();
        let notice = draft_notice(errors.len());
        return Ok(render_form(state, me, client, Some(&saved), values, &errors, Some(notice)).await?.into_response());
    }
    let intake = match checked {
        Ok(intake) => intake,
        Err(errors) => {
            let saved = state.clinic.save_draft(actor, &assessment, form, None).await?;
            let notice = format!("Not complete yet: {} field(s) need attention. The draft is saved.", errors.len());
            let page = render_form(state, me, client, Some(&saved), values, &errors, Some(notice)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match state.clinic.complete(actor, &assessment, form, &intake).await {
        Ok(_) => Ok(Redirect::to(&format!("/assessments/{}", assessment.id)).into_response()),
        // The draft was saved with the intake; show what the engine refused.
        Err(err) if err.kind == ErrorKind::Invalid => {
            let saved = state.store.assessment(assessment.id).await?;
            let errors = FieldErrors::from([(err.field.clone().unwrap_or_default(), err.message)]);
            let page = render_form(state, me, client, Some(&saved), values, &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "assessments/capture.html")]
struct CapturePage {
    layout: Layout,
    client_name: String,
    assessment_id: String,
    /// The view chosen first (`side-left`, `side-right` or `front`).
    view: &'static str,
    views: Vec<(&'static str, &'static str)>,
    retake_advice: &'static [&'static str],
}

#[derive(Debug, Deserialize)]
pub(crate) struct CaptureQuery {
    view: Option<String>,
}

/// `GET /assessments/{id}/capture`: the device's camera with a framing guide for a side or
/// front view, for a draft. The photo is taken in the page and posted to the draft's ordinary
/// upload (`POST /assessments/{id}/photos`), so it is saved, measured and flagged the same way.
pub(crate) async fn capture(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<CaptureQuery>,
) -> Result<Response, WebError> {
    let (client, assessment) = match open_draft(&state, &me, &id).await? {
        Ok(draft) => draft,
        Err(report) => return Ok(report),
    };
    let view = match query.view.as_deref().map(str::trim) {
        None | Some("") => View::SideLeft,
        Some(text) => parse_view(text)?,
    };
    let page = CapturePage {
        layout: Layout::for_user("Photos with the camera", &me),
        client_name: client.display_name,
        assessment_id: assessment.id.to_string(),
        view: view.as_str(),
        views: View::ALL.iter().map(|v| (v.as_str(), view_label(*v))).collect(),
        retake_advice: crate::visual::RETAKE_ADVICE,
    };
    Ok(Html(page.render()?).into_response())
}

/// A draft for one of its pages (staff who may write to it), or the redirect to the report
/// when the assessment is complete.
async fn open_draft(state: &AppState, me: &CurrentUser, id: &str) -> Result<Result<(Client, Assessment), Response>, WebError> {
    me.require_staff()?;
    let (client, assessment) = access::assessment(state, me, parse_id(id)?, Access::Write).await?;
    if assessment.status == AssessmentStatus::Complete {
        return Ok(Err(Redirect::to(&format!("/assessments/{}", assessment.id)).into_response()));
    }
    Ok(Ok((client, assessment)))
}

/// A view as the photo forms name it.
fn view_label(view: View) -> &'static str {
    match view {
        View::SideLeft => "side (left side toward the camera)",
        View::SideRight => "side (right side toward the camera)",
        View::Front => "front",
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct EditQuery {
    saved: Option<String>,
    /// Photos of a new assessment's form that were not kept, or kept without landmarks.
    refused: Option<usize>,
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<EditQuery>,
) -> Result<Response, WebError> {
    let (client, assessment) = match open_draft(&state, &me, &id).await? {
        Ok(draft) => draft,
        Err(report) => return Ok(report),
    };
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Assessment, &assessment.id.to_string(), "draft").await?;
    let values = intake_form::from_json(&assessment.form);
    // Show the draft's current problems straight away.
    let errors = if values.is_empty() { FieldErrors::new() } else { intake_from(&state, &values).err().unwrap_or_default() };
    let notice = query.saved.map(|_| draft_notice(errors.len()));
    let mut errors = errors;
    if let Some(n) = query.refused.filter(|n| *n > 0) {
        let problem = format!(
            "{n} of the photos chosen on the form could not be used: a file that is not a photo was not kept, and a photo with no person found is flagged in the list. Add or retake them here."
        );
        errors.insert(PHOTO_UPLOAD.to_owned(), problem);
    }
    Ok(render_form(&state, &me, &client, Some(&assessment), &values, &errors, notice).await?.into_response())
}

#[derive(Template)]
#[template(path = "assessments/report.html")]
struct ReportPage<'a> {
    layout: Layout,
    client_id: String,
    client_name: String,
    assessment_id: String,
    completed: String,
    engine_version: &'a str,
    report_html: &'a str,
    report_css: &'static str,
    photos: &'a [PhotoItem],
    plan_edited: Option<String>,
    /// Who started the assessment, for the print header.
    assessor: Option<String>,
    /// Today, for the print header.
    printed: String,
    is_staff: bool,
    panels: &'a [crate::visual::PhotoPanel],
    retake_advice: &'static [&'static str],
    /// The clinic's details, for the print header.
    clinic: tonus_store::ClinicSettings,
}

pub(crate) async fn show(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Response, WebError> {
    let (client, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Read).await?;
    if assessment.status == AssessmentStatus::Draft {
        return Ok(Redirect::to(&format!("/assessments/{}/edit", assessment.id)).into_response());
    }
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Assessment, &assessment.id.to_string(), "report").await?;
    let is_staff = me.require_staff().is_ok();
    let (stamp, rendered) = rendered_report(&state, &assessment, is_staff).await?;
    let plan_edited = match stamp.plan_edited_by.zip(stamp.plan_edited_at) {
        Some((by, at)) => Some(format!("{} on {}", user_name(&state, by).await?, format::datetime(at))),
        None => None,
    };
    let page = ReportPage {
        layout: Layout::for_user("Assessment report", &me),
        client_id: client.id.to_string(),
        client_name: client.display_name,
        assessment_id: assessment.id.to_string(),
        completed: assessment.completed_at.map(format::datetime).unwrap_or_default(),
        engine_version: &rendered.engine_version,
        report_html: &rendered.report_html,
        report_css: tonus_app::render::REPORT_CSS,
        photos: &rendered.photos,
        plan_edited,
        assessor: Some(user_name(&state, assessment.created_by).await?),
        printed: format::date(Timestamp::now()),
        is_staff,
        panels: &rendered.panels,
        retake_advice: crate::visual::RETAKE_ADVICE,
        clinic: state.store.clinic_settings().await?,
    };
    Ok(Html(page.render()?).into_response())
}

/// The viewer-independent part of an assessment's report page (report, photos and their
/// panels), rendered once per [`ReportStamp`](tonus_store::ReportStamp) (see `report_cache`).
async fn rendered_report(
    state: &AppState,
    assessment: &Assessment,
    can_edit: bool,
) -> Result<(tonus_store::ReportStamp, Arc<RenderedReport>), WebError> {
    let stamp = state.store.report_stamp(assessment.id).await?.ok_or(WebError::NotFound)?;
    let key = report_cache::Key { stamp, can_edit };
    if let Some(hit) = state.reports.get(&key) {
        return Ok((stamp, hit));
    }
    let report = state.clinic.latest_report(assessment.id).await?.ok_or(WebError::NotFound)?;
    let photos = state.store.photos_for(assessment.id).await?;
    // One plan everywhere: the page (and its print) shows the plan the client follows, the
    // therapist's edit when there is one, as the handout and the export do.
    let mut shown = report.report.clone();
    if !shown.red_flags.plan_blocked
        && let Some(edited) = state.store.plan_for(assessment.id).await?.and_then(|p| p.edited_plan)
    {
        shown.plan = Some(tonus_clinic::docs::plan(&edited, &format!("the edited plan of assessment {}", assessment.id))?);
    }
    if !can_edit {
        // The client reads the massage in the knowledge base's plain words, as on the handout.
        shown.plan = shown.plan.map(|p| tonus_app::render::in_plain_words(&p, state.clinic.engine().kb()));
    }
    let rendered = Arc::new(RenderedReport {
        // Staff see the differentials and the evidence; the client sees plain words.
        report_html: tonus_app::render::render_html_fragment(
            &shown,
            if can_edit { tonus_app::render::Audience::Clinician } else { tonus_app::render::Audience::Client },
            None,
        ),
        panels: crate::visual::photo_panels(state, assessment, &report, can_edit).await?,
        photos: photos.iter().map(PhotoItem::from).collect(),
        engine_version: report.engine_version,
    });
    // Something saved between the reads is shown now but not kept under the older stamp.
    if report.id == stamp.report && i64::try_from(photos.len()) == Ok(stamp.photos) {
        state.reports.insert(key, Arc::clone(&rendered));
    }
    Ok((stamp, rendered))
}

/// Re-runs the engine on the stored intake and landmark sets and stores the new report beside
/// the old one (the plan and the therapist's edits stay as they are).
pub(crate) async fn recompute(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, _): CsrfForm<crate::clients::Empty>,
) -> Result<Redirect, WebError> {
    me.require_staff()?;
    let (_, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Write).await?;
    state.clinic.recompute(Actor::user(me.user.id), &assessment).await?;
    Ok(Redirect::to(&format!("/assessments/{}", assessment.id)))
}

pub(crate) async fn user_name(state: &AppState, id: UserId) -> Result<String, WebError> {
    match state.store.user(id).await {
        Ok(user) => Ok(user.display_name),
        Err(tonus_store::StoreError::NotFound) => Ok("a former account".into()),
        Err(other) => Err(other.into()),
    }
}

/// The fields of an upload form, read whole (the body limit bounds them).
pub(crate) struct Upload {
    pub(crate) csrf: Option<String>,
    /// "on" when the therapist asks for automatic landmarks on an uploaded photo.
    detect: bool,
    view: String,
    posture: String,
    photo: String,
    /// Every file, in order (several photos at once), by name.
    pub(crate) files: Vec<(String, Vec<u8>)>,
    /// The file during which the upload went over the server's limit; reading stopped there.
    pub(crate) too_large: Option<String>,
}

/// A multipart body that could not be read: over the size limit, or malformed (`what` names it).
fn unreadable(e: axum::extract::multipart::MultipartError, what: &str) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE { WebError::TooLarge } else { WebError::BadRequest(format!("{what} could not be read")) }
}

pub(crate) async fn read_upload(mut multipart: Multipart) -> Result<Upload, WebError> {
    let mut upload = Upload {
        csrf: None,
        detect: false,
        view: String::new(),
        posture: String::new(),
        photo: String::new(),
        files: Vec::new(),
        too_large: None,
    };
    let bad = |e| unreadable(e, "the upload");
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // Over the limit before a file's bytes (a declared length over it is refused before
            // anything is read): no field can be read.
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                upload.too_large.get_or_insert_with(String::new);
                break;
            }
            Err(e) => return Err(bad(e)),
        };
        match field.name().unwrap_or_default() {
            "csrf" => upload.csrf = Some(field.text().await.map_err(bad)?),
            "view" => upload.view = field.text().await.map_err(bad)?,
            "posture" => upload.posture = field.text().await.map_err(bad)?,
            "detect" => upload.detect = field.text().await.map_err(bad)? == "on",
            "photo" => upload.photo = field.text().await.map_err(bad)?,
            "file" => {
                let name = field.file_name().unwrap_or("upload").to_owned();
                let bytes = match field.bytes().await {
                    Ok(bytes) => bytes.to_vec(),
                    // The upload went over the limit in this file: the fields before it (the
                    // token, the view) are read, so the page can say so in place.
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        upload.too_large = Some(name);
                        break;
                    }
                    Err(e) => return Err(bad(e)),
                };
                // A file input left empty still sends an empty part; it is not a photo.
                if !(bytes.is_empty() && name.is_empty()) {
                    upload.files.push((name, bytes));
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

async fn draft_for_upload(state: &AppState, me: &CurrentUser, id: &str) -> Result<Assessment, WebError> {
    me.require_staff()?;
    let (_, assessment) = access::assessment(state, me, parse_id(id)?, Access::Write).await?;
    Ok(assessment)
}

/// The photo view a form or query names.
pub(crate) fn parse_view(text: &str) -> Result<View, WebError> {
    View::parse(text.trim()).ok_or_else(|| WebError::BadRequest("view: choose side-left, side-right or front".into()))
}

/// The file's name, unless the message already names it.
fn named<'a>(name: &'a str, message: &str) -> &'a str {
    if message.contains(name) { "This photo" } else { name }
}

/// `POST /assessments/{id}/photos`: one photo or several at once, each saved and (when asked)
/// measured in turn. A file that is not a photo, or a photo the model cannot read, is named on
/// the draft's page beside the photos, with the draft as it was saved; the other files are
/// kept. A photo with no person found is kept and flagged on the draft.
pub(crate) async fn upload_photo(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let upload = read_upload(multipart).await?;
    if let Some(name) = &upload.too_large {
        // Nothing of an upload that went over the limit is saved, and its token may be unread
        // (a declared length over the limit is refused before any field): the draft's page, a
        // read for someone who may write to it, says so at its photos. A token that was read
        // is still checked.
        if upload.csrf.is_some() {
            check_csrf(&me, upload.csrf.as_deref())?;
        }
        let assessment = draft_for_upload(&state, &me, &id).await?;
        if assessment.status == AssessmentStatus::Complete {
            return Err(WebError::TooLarge);
        }
        crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Assessment, &assessment.id.to_string(), "draft").await?;
        let limit = megabytes(state.settings().max_upload_bytes);
        let what = if name.is_empty() { "The upload".to_owned() } else { format!("{name}: the upload") };
        let problem = format!(
            "{what} went over this server's limit of {limit} for one upload, so none of its photos was saved. Send fewer or smaller photos at a time."
        );
        let client = state.store.client(assessment.client).await?;
        let values = intake_form::from_json(&assessment.form);
        let errors = FieldErrors::from([(PHOTO_UPLOAD.to_owned(), problem)]);
        let page = render_form(&state, &me, &client, Some(&assessment), &values, &errors, None).await?;
        return Ok((StatusCode::PAYLOAD_TOO_LARGE, page).into_response());
    }
    check_csrf(&me, upload.csrf.as_deref())?;
    let assessment = draft_for_upload(&state, &me, &id).await?;
    let view = parse_view(&upload.view)?;
    let posture = match upload.posture.as_str() {
        "" | "sitting" => Posture::Sitting,
        "standing" => Posture::Standing,
        _ => return Err(WebError::BadRequest("posture: choose sitting or standing".into())),
    };
    let mut problems = Vec::new();
    if upload.files.is_empty() {
        problems.push("Choose one or more photos first.".to_owned());
    }
    problems.extend(save_photos(&state, &me, &assessment, upload.files, view, posture, upload.detect).await?);
    if problems.is_empty() {
        return Ok(Redirect::to(&format!("/assessments/{}/edit#photos", assessment.id)).into_response());
    }
    let client = state.store.client(assessment.client).await?;
    let values = intake_form::from_json(&assessment.form);
    let errors = FieldErrors::from([(PHOTO_UPLOAD.to_owned(), problems.join(" "))]);
    let page = render_form(&state, &me, &client, Some(&assessment), &values, &errors, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// Saves each photo on the draft and (with `detect`) finds its landmarks, in turn; returns a
/// problem for each file not kept (not a photo) or kept unmeasured (no person found), by name.
/// A photo is saved before it is measured, so one with no person in it is still kept.
async fn save_photos(
    state: &AppState,
    me: &CurrentUser,
    assessment: &Assessment,
    files: Vec<(String, Vec<u8>)>,
    view: View,
    posture: Posture,
    detect: bool,
) -> Result<Vec<String>, WebError> {
    let actor = Actor::user(me.user.id);
    let mut problems = Vec::new();
    for (name, bytes) in files {
        let detect = detect.then(|| bytes.clone());
        match state.clinic.add_photo(actor, assessment, bytes, view, &name).await {
            Ok(photo) => {
                if let Some(bytes) = detect
                    && let Err(e) = state.clinic.detect_landmarks(actor, assessment, &photo, bytes, &name, posture).await
                {
                    match WebError::from(e) {
                        WebError::BadRequest(m) => problems.push(format!("{}: kept, but not measured: {m}", named(&name, &m))),
                        other => return Err(other),
                    }
                }
            }
            Err(e) => match WebError::from(e) {
                WebError::BadRequest(m) if m.contains(&name) => problems.push(m),
                WebError::BadRequest(m) => problems.push(format!("{name}: {m}")),
                other => return Err(other),
            },
        }
    }
    Ok(problems)
}

pub(crate) async fn upload_landmarks(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Redirect, WebError> {
    let upload = read_upload(multipart).await?;
    if upload.too_large.is_some() {
        return Err(WebError::TooLarge);
    }
    check_csrf(&me, upload.csrf.as_deref())?;
    let assessment = draft_for_upload(&state, &me, &id).await?;
    // One landmark file: the first (an empty input sends none, which the parser names).
    let (name, bytes) = upload.files.first().map_or(("", &[][..]), |(n, b)| (n.as_str(), b.as_slice()));
    let file = tonus_clinic::landmarks::parse_landmarks(bytes, name)?;
    // Link the photo the therapist picked, or the one whose content hash the file names.
    let photos = state.store.photos_for(assessment.id).await?;
    let photo = photos
        .iter()
        .find(|p| p.id.to_string() == upload.photo)
        .or_else(|| {
            let named = file.image.file.as_deref().filter(|n| !n.is_empty())?;
            photos.iter().find(|p| p.content_hash.starts_with(named))
        })
        .map(|p| p.id);
    state.clinic.add_landmark_set(Actor::user(me.user.id), &assessment, photo, file).await?;
    Ok(Redirect::to(&format!("/assessments/{}/edit", assessment.id)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct DeleteForm {
    confirm: Option<String>,
}

/// `POST /assessments/{id}/delete`: a draft, once the box is ticked.
pub(crate) async fn delete_draft(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, form): CsrfForm<DeleteForm>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let (client, assessment) = access::assessment(&state, &me, parse_id(&id)?, Access::Write).await?;
    if form.confirm.as_deref() != Some("yes") {
        return Err(WebError::BadRequest("confirm: tick the box to delete the draft".into()));
    }
    state.clinic.delete_draft(Actor::user(me.user.id), &assessment).await?;
    Ok(Redirect::to(&format!("/clients/{}", client.id)).into_response())
}

/// `POST /photos/{id}/delete`: a photo of a draft, with its landmarks (a retake).
pub(crate) async fn delete_photo(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, _): CsrfForm<crate::clients::Empty>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let photo = state.store.photo(parse_id(&id)?).await?;
    let (_, assessment) = access::assessment(&state, &me, photo.assessment, Access::Write).await?;
    state.clinic.delete_photo(Actor::user(me.user.id), &assessment, &photo).await?;
    Ok(Redirect::to(&format!("/assessments/{}/edit", assessment.id)).into_response())
}

pub(crate) async fn photo(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Response, WebError> {
    photo_response(&state, &me, &id).await
}

/// A stored photo's bytes for anyone who may read its assessment (pages and API); audited,
/// never cached by the browser.
pub(crate) async fn photo_response(state: &AppState, me: &CurrentUser, id: &str) -> Result<Response, WebError> {
    let photo_id: PhotoId = parse_id(id)?;
    let photo = state.store.photo(photo_id).await?;
    access::assessment(state, me, photo.assessment, Access::Read).await?;
    let (photo, bytes) = state.store.photo_bytes(photo_id).await?;
    crate::audit::record(state, Some(me.user.id), Action::View, RecordKind::Photo, &photo.assessment.to_string(), &photo.id.to_string())
        .await?;
    let mut response = bytes.into_response();
    if let Ok(value) = HeaderValue::from_str(&photo.media_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}
