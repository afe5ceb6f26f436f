//! The client's side: their start page, and the printable handout of their current plan,
//! reached by the client's login, by staff, or by an expiring share link.
//!
//! The handout shows the plan the client follows (the therapist's edit if there is one),
//! read from the stored plan JSON in the report format; unknown or missing parts are simply
//! left out. It shows no metrics or inferences: those stay in the report.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use serde::Deserialize;
use tonus_store::{AssessmentStatus, Client, Role, Timestamp, token};

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::format;
use crate::pages::Layout;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PlanDoc {
    massage: Option<MassageDoc>,
    phases: Vec<PhaseDoc>,
    exposure_changes: Vec<ChangeDoc>,
    review_outcomes_on: String,
    review_photos_on: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MassageDoc {
    targets: Vec<TargetDoc>,
    session_min: f64,
    sessions_per_week: f64,
    weeks: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TargetDoc {
    muscle_name: String,
    techniques: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PhaseDoc {
    pub name: String,
    pub first_week: u32,
    pub last_week: u32,
    pub starts: String,
    pub ends: String,
    pub exercises: Vec<ExerciseDoc>,
    pub progression: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ExerciseDoc {
    pub name: String,
    pub purpose: String,
    pub dosage: String,
    pub instructions: Vec<String>,
    pub cautions: Vec<String>,
    pub progression: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ChangeDoc {
    advice: String,
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
    phases: Vec<PhaseDoc>,
    advice: Vec<String>,
    review: String,
    blocked: bool,
}

async fn handout_page(state: &AppState, layout: Layout, client: &Client) -> Result<Html<String>, WebError> {
    let assessments = state.store.assessments_for(client.id).await?;
    let latest = assessments.iter().rev().find(|a| a.status == AssessmentStatus::Complete).ok_or(WebError::NotFound)?;
    let plan = state.store.plan_for(latest.id).await?;
    let (doc, edited, blocked) = match &plan {
        Some(p) if !p.current().is_null() => {
            (serde_json::from_value::<PlanDoc>(p.current().clone()).unwrap_or_default(), p.edited_plan.is_some(), false)
        }
        _ => (PlanDoc::default(), false, true),
    };
    let massage = doc
        .massage
        .as_ref()
        .map(|m| m.targets.iter().map(|t| format!("{}: {}", t.muscle_name, t.techniques.join(", "))).collect())
        .unwrap_or_default();
    let massage_dose = doc
        .massage
        .as_ref()
        .map_or_else(String::new, |m| format!("{:.0} minutes, {} times a week, for {} weeks", m.session_min, m.sessions_per_week, m.weeks));
    let review = match (doc.review_outcomes_on.is_empty(), doc.review_photos_on.is_empty()) {
        (true, true) => String::new(),
        _ => format!("Next review: questionnaires on {}, photos on {}.", or_dash(&doc.review_outcomes_on), or_dash(&doc.review_photos_on)),
    };
    let page = HandoutPage {
        layout,
        client_name: client.display_name.clone(),
        assessed: latest.completed_at.map(format::date).unwrap_or_default(),
        edited,
        massage,
        massage_dose,
        phases: doc.phases,
        advice: doc.exposure_changes.into_iter().map(|c| c.advice).collect(),
        review,
        blocked,
    };
    Ok(Html(page.render()?))
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() { "—" } else { text }
}

/// `/clients/{id}/handout`: for staff with access and for the client themself.
pub(crate) async fn for_client(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Html<String>, WebError> {
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), "view", "handout", &client.id.to_string(), "").await?;
    handout_page(&state, Layout::for_user("Your plan", &me), &client).await
}

/// `/share/{token}`: the handout through an expiring link, without a login.
pub(crate) async fn shared(State(state): State<AppState>, Path(secret): Path<String>) -> Result<Html<String>, WebError> {
    let link = state.store.share_link(&token::hash(&secret)).await?.filter(|l| l.is_active(Timestamp::now())).ok_or(WebError::NotFound)?;
    let client = state.store.client(link.client).await?;
    crate::audit::record(&state, None, "view", "handout", &client.id.to_string(), &format!("share link {}", link.id)).await?;
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
    crate::audit::record(&state, Some(me.user.id), "view", "client", &client.id.to_string(), "own record").await?;
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
