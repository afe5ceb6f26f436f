//! The client's side: their start page, and the printable handout of their current plan,
//! reached by the client's login, by staff, or by an expiring share link.
//!
//! The handout shows the plan the client follows (the therapist's edit if there is one),
//! read from the stored plan JSON in the report format; unknown or missing parts are simply
//! left out. It shows no metrics or inferences: those stay in the report.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use tonus_app::report::PlanView;
use tonus_app::words;
use tonus_clinic::{Action, RecordKind};
use tonus_store::{AssessmentStatus, Client, Role, Timestamp, token};

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::format;
use crate::pages::Layout;
use crate::state::AppState;

/// A phase as the handout shows it.
pub(crate) struct PhaseItem {
    pub name: String,
    pub first_week: u32,
    pub last_week: u32,
    pub starts: String,
    pub ends: String,
    pub exercises: Vec<ExerciseItem>,
    pub progression: String,
}

/// An exercise as the handout shows it, in plain words.
pub(crate) struct ExerciseItem {
    pub name: String,
    pub purpose: String,
    pub dosage: String,
    pub instructions: Vec<String>,
    pub cautions: Vec<String>,
    pub progression: String,
}

#[derive(Template)]
#[template(path = "handout/handout.html")]
struct HandoutPage {
    layout: Layout,
    client_name: String,
    assessed: String,
    edited: bool,
    massage: Vec<String>,
    massage_dose: String,
    phases: Vec<PhaseItem>,
    advice: Vec<String>,
    review: String,
    blocked: bool,
}

fn phases(plan: &PlanView) -> Vec<PhaseItem> {
    plan.phases
        .iter()
        .map(|p| PhaseItem {
            name: p.name.clone(),
            first_week: p.first_week,
            last_week: p.last_week,
            starts: p.starts.clone(),
            ends: p.ends.clone(),
            exercises: p
                .exercises
                .iter()
                .map(|e| ExerciseItem {
                    name: e.name.clone(),
                    purpose: format!("{} · {}", words::purpose(e.purpose), words::laterality_phrase(e.laterality)),
                    dosage: e.dosage.clone(),
                    instructions: e.instructions.clone(),
                    cautions: e.cautions.clone(),
                    progression: e.progression.clone(),
                })
                .collect(),
            progression: p.progression.clone(),
        })
        .collect()
}

async fn handout_page(state: &AppState, layout: Layout, client: &Client) -> Result<Html<String>, WebError> {
    let assessments = state.store.assessments_for(client.id).await?;
    let latest = assessments.iter().rev().find(|a| a.status == AssessmentStatus::Complete).ok_or(WebError::NotFound)?;
    let plan = state.clinic.plan(latest).await?;
    let edited = plan.as_ref().is_some_and(|p| p.edited.is_some());
    let current = plan.as_ref().and_then(|p| p.current());
    let (massage, massage_dose) = match current.and_then(|p| p.massage.as_ref()) {
        Some(m) => (
            m.targets
                .iter()
                .map(|t| format!("{} ({}): {}", t.muscle_name, words::laterality(t.laterality), t.techniques.join(", ")))
                .collect(),
            format!("{:.0} minutes, {} times a week, for {} weeks", m.session_min, m.sessions_per_week, m.weeks),
        ),
        None => (Vec::new(), String::new()),
    };
    let review = match current {
        Some(p) if !(p.review_outcomes_on.is_empty() && p.review_photos_on.is_empty()) => {
            format!("Next review: questionnaires on {}, photos on {}.", or_dash(&p.review_outcomes_on), or_dash(&p.review_photos_on))
        }
        _ => String::new(),
    };
    let page = HandoutPage {
        layout,
        client_name: client.display_name.clone(),
        assessed: latest.completed_at.map(format::date).unwrap_or_default(),
        edited,
        massage,
        massage_dose,
        phases: current.map(phases).unwrap_or_default(),
        advice: current.map(|p| p.exposure_changes.iter().map(|c| c.advice.clone()).collect()).unwrap_or_default(),
        review,
        blocked: current.is_none(),
    };
    Ok(Html(page.render()?))
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() { "—" } else { text }
}

/// `/clients/{id}/handout`: for staff with access and for the client themself.
pub(crate) async fn for_client(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Html<String>, WebError> {
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Handout, &client.id.to_string(), "").await?;
    handout_page(&state, Layout::for_user("Your plan", &me), &client).await
}

/// `/share/{token}`: the handout through an expiring link, without a login.
pub(crate) async fn shared(State(state): State<AppState>, Path(secret): Path<String>) -> Result<Html<String>, WebError> {
    let link = state.store.share_link(&token::hash(&secret)).await?.filter(|l| l.is_active(Timestamp::now())).ok_or(WebError::NotFound)?;
    let client = state.store.client(link.client).await?;
    crate::audit::record(&state, None, Action::View, RecordKind::Handout, &client.id.to_string(), &format!("share link {}", link.id))
        .await?;
    handout_page(&state, Layout::anonymous("Your plan"), &client).await
}

struct MyAssessment {
    id: String,
    date: String,
}

#[derive(Template)]
#[template(path = "handout/me.html")]
struct MePage {
    layout: Layout,
    client_id: String,
    assessments: Vec<MyAssessment>,
}

/// `/me`: a client's start page.
pub(crate) async fn me(State(state): State<AppState>, me: CurrentUser) -> Result<Html<String>, WebError> {
    me.require_role(&[Role::Client])?;
    let client = state.store.client_for_user(me.user.id).await?.ok_or(WebError::NotFound)?;
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Client, &client.id.to_string(), "own record").await?;
    let assessments = state
        .store
        .assessments_for(client.id)
        .await?
        .into_iter()
        .rev()
        .filter(|a| a.status == AssessmentStatus::Complete)
        .map(|a| MyAssessment { id: a.id.to_string(), date: a.completed_at.map(format::date).unwrap_or_default() })
        .collect();
    let page = MePage { layout: Layout::for_user("My record", &me), client_id: client.id.to_string(), assessments };
    Ok(Html(page.render()?))
}
