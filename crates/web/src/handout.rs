//! The client's side: their start page, and the printable handout of their current plan,
//! reached by the client's login, by staff, or by an expiring share link.
//!
//! The handout shows the plan the client follows (the therapist's edit if there is one; none
//! while a red flag blocks the plan), drawn by the app's askama template
//! (`tonus_app::render::render_handout_fragment`, the same system as the report). It shows no
//! metrics or inferences: those stay in the report.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use tonus_clinic::{Action, RecordKind};
use tonus_store::{AssessmentStatus, Client, Timestamp, token};

use crate::access;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::format;
use crate::pages::Layout;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "handout/handout.html")]
struct HandoutPage {
    layout: Layout,
    /// The app's handout fragment (`tonus_app::render::render_handout_fragment`).
    handout: String,
    /// The clinic's details, for the print header.
    clinic: tonus_store::ClinicSettings,
}

async fn handout_page(state: &AppState, layout: Layout, client: &Client) -> Result<Html<String>, WebError> {
    let assessments = state.store.assessments_for(client.id).await?;
    let latest = assessments.iter().rev().find(|a| a.status == AssessmentStatus::Complete).ok_or(WebError::NotFound)?;
    let plan = state.clinic.plan(latest).await?;
    let assessed = latest.completed_at.map(format::date).unwrap_or_default();
    // The client reads muscles and massage in plain words, not the report's clinical names.
    let client_plan = plan.as_ref().and_then(|p| p.current()).map(|p| tonus_app::render::in_plain_words(p, state.clinic.engine().kb()));
    let handout = tonus_app::render::render_handout_fragment(tonus_app::render::Handout {
        client_name: &client.display_name,
        assessed: &assessed,
        edited: plan.as_ref().is_some_and(|p| p.edited.is_some()),
        plan: client_plan.as_ref(),
        today: &format::date(Timestamp::now()),
        kb: state.clinic.engine().kb(),
    });
    let clinic = state.store.clinic_settings().await?;
    Ok(Html(HandoutPage { layout, handout, clinic }.render()?))
}

/// `/clients/{id}/handout`: for staff with access and for the client themself.
pub(crate) async fn for_client(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Html<String>, WebError> {
    let client = access::view_client(&state, &me, &id, RecordKind::Handout, "").await?;
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
