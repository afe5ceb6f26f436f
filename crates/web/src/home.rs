//! `/me`: the client's home page, phone first. This week's exercises (the plan's phase of
//! today, the therapist's edit where there is one) with a tick for each one done today, this
//! week's ticks, a weekly pain check-in (NPRS 0-10), the next review, and links to the plan,
//! progress and the desk page. The ticks and check-ins are stored; the therapist sees them on
//! the client page as self-reported adherence and pain ([`summary`]).
//!
//! Days are the server's calendar days (UTC); a week starts on Monday.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tonus_app::report::PlanView;
use tonus_clinic::{Action, RecordKind};
use tonus_core::Date;
use tonus_store::{Assessment, AssessmentStatus, Client, ExerciseTick, PainCheckIn, Role, Timestamp};

use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::format;
use crate::pages::Layout;
use crate::state::AppState;

/// Today and the Monday of its week.
fn today_and_monday() -> (Date, Date) {
    let today = Date::parse(&format::date(Timestamp::now())).unwrap_or_else(|| Date::from_ymd(2026, 1, 1).expect("a date"));
    // 1970-01-05 was a Monday.
    let monday = today.add_days(-today.days_since(Date::from_ymd(1970, 1, 5).expect("a date")).rem_euclid(7));
    (today, monday)
}

/// The plan the client follows now, from their assessments (oldest first): none before a
/// completed assessment, or while a red flag blocks it. The home page and the desk page use it.
pub(crate) async fn current_plan(state: &AppState, assessments: &[Assessment]) -> Result<Option<PlanView>, WebError> {
    let Some(latest) = assessments.iter().rev().find(|a| a.status == AssessmentStatus::Complete) else { return Ok(None) };
    Ok(state.clinic.plan(latest).await?.and_then(|p| p.current().cloned()))
}

struct Day {
    label: String,
    date: String,
    ticked: bool,
    today: bool,
    future: bool,
}

struct HomeExercise {
    id: String,
    name: String,
    dosage: String,
    /// Whether it needs lying down or equipment (done at home, not the desk).
    needs: String,
    done_today: bool,
    week: Vec<Day>,
}

struct WeekPain {
    week: String,
    nprs: i64,
}

#[derive(Template)]
#[template(path = "handout/me.html")]
struct MePage {
    layout: Layout,
    client_id: String,
    saved: Option<&'static str>,
    phase: Option<String>,
    week_of: String,
    today: String,
    exercises: Vec<HomeExercise>,
    pain_this_week: Option<i64>,
    /// 0 to 10, and whether it is this week's answer.
    nprs_choices: Vec<(i64, bool)>,
    pain_history: Vec<WeekPain>,
    review: Option<String>,
    assessments: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub(crate) struct Saved {
    saved: Option<String>,
}

/// `/me`: a client's home page.
pub(crate) async fn me(State(state): State<AppState>, me: CurrentUser, Query(q): Query<Saved>) -> Result<Html<String>, WebError> {
    me.require_role(&[Role::Client])?;
    let client = state.store.client_for_user(me.user.id).await?.ok_or(WebError::NotFound)?;
    crate::audit::record(&state, Some(me.user.id), Action::View, RecordKind::Client, &client.id.to_string(), "own record").await?;
    let (today, monday) = today_and_monday();
    // Read once: the plan comes from them, and the page lists the completed ones.
    let all = state.store.assessments_for(client.id).await?;
    let plan = current_plan(&state, &all).await?;
    let kb = state.clinic.engine().kb();
    let phase = plan.as_ref().and_then(|p| p.phases.get(tonus_app::render::current_phase(&p.phases, &today.to_string())));
    let ticks = state.store.exercise_ticks(client.id, &monday.to_string()).await?;
    let days: Vec<Date> = (0..7).map(|i| monday.add_days(i)).collect();
    let exercises = phase
        .map(|ph| {
            ph.exercises
                .iter()
                .map(|e| HomeExercise {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    dosage: e.dosage.clone(),
                    needs: kb.exercise(&e.id).map(tonus_core::knowledge::Exercise::needs_label).unwrap_or_default(),
                    done_today: ticks.iter().any(|t| t.exercise == e.id && t.day == today.to_string()),
                    week: days
                        .iter()
                        .map(|d| Day {
                            label: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d.days_since(monday) as usize].to_owned(),
                            date: d.to_string(),
                            ticked: ticks.iter().any(|t| t.exercise == e.id && t.day == d.to_string()),
                            today: *d == today,
                            future: *d > today,
                        })
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let history = state.store.pain_checkins(client.id, &monday.add_days(-7 * 7).to_string()).await?;
    let pain_this_week = history.iter().find(|c| c.week == monday.to_string()).map(|c| c.nprs);
    let review = plan.as_ref().filter(|p| !p.review_outcomes_on.is_empty()).map(|p| p.review_outcomes_on.clone());
    let assessments = all
        .into_iter()
        .rev()
        .filter(|a| a.status == AssessmentStatus::Complete)
        .map(|a| (a.id.to_string(), a.completed_at.map(format::date).unwrap_or_default()))
        .collect();
    let page = MePage {
        layout: Layout::for_user("My plan", &me),
        client_id: client.id.to_string(),
        saved: match q.saved.as_deref() {
            Some("tick") => Some("Saved. Your therapist sees what you have done."),
            Some("pain") => Some("Thank you: your pain score for this week is saved."),
            _ => None,
        },
        phase: phase.map(|p| format!("{} (weeks {}–{}, until {})", p.name, p.first_week, p.last_week, p.ends)),
        week_of: format!("{} to {}", monday, monday.add_days(6)),
        today: today.to_string(),
        exercises,
        pain_this_week,
        nprs_choices: (0..=10).map(|n| (n, pain_this_week == Some(n))).collect(),
        pain_history: history
            .into_iter()
            .rev()
            .filter(|c| c.week != monday.to_string())
            .map(|c| WeekPain { week: c.week, nprs: c.nprs })
            .collect(),
        review,
        assessments,
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub(crate) struct TickForm {
    exercise: String,
    day: String,
    done: String,
}

/// `POST /me/ticks`: ticks an exercise of the current phase as done on a day of this week up
/// to today, or takes the tick back.
pub(crate) async fn tick(State(state): State<AppState>, CsrfForm(me, form): CsrfForm<TickForm>) -> Result<Response, WebError> {
    me.require_role(&[Role::Client])?;
    let client = state.store.client_for_user(me.user.id).await?.ok_or(WebError::NotFound)?;
    let (today, monday) = today_and_monday();
    let day = Date::parse(&form.day).ok_or_else(|| WebError::BadRequest(format!("day: \"{}\" is not a date", form.day)))?;
    if day < monday || day > today {
        return Err(WebError::BadRequest(format!("day: {day} is not a day of this week up to today")));
    }
    let plan = current_plan(&state, &state.store.assessments_for(client.id).await?).await?;
    // The exercise must be one of the phase that day falls in, or of the phase the page lists
    // for this week (the last one once the plan's weeks are over): a later phase's exercise is
    // not yet the client's to do. A phase with no end date runs on.
    let in_plan = plan.as_ref().is_some_and(|p| {
        let shown = tonus_app::render::current_phase(&p.phases, &today.to_string());
        let runs_on = |ph: &tonus_app::report::PhaseView| {
            Date::parse(&ph.starts).is_none_or(|start| start <= day) && Date::parse(&ph.ends).is_none_or(|end| day <= end)
        };
        p.phases
            .iter()
            .enumerate()
            .filter(|(i, ph)| *i == shown || runs_on(ph))
            .flat_map(|(_, ph)| &ph.exercises)
            .any(|e| e.id == form.exercise)
    });
    if !in_plan {
        return Err(WebError::BadRequest(format!("exercise: \"{}\" is not in your plan for {day}", form.exercise)));
    }
    let done = match form.done.as_str() {
        "yes" => true,
        "no" => false,
        other => return Err(WebError::BadRequest(format!("done: \"{other}\" is not yes or no"))),
    };
    let tick = ExerciseTick { day: day.to_string(), exercise: form.exercise };
    state.store.set_exercise_done(client.id, &tick, done).await?;
    let detail = format!("{} {} {}", if done { "done" } else { "not done" }, tick.exercise, tick.day);
    crate::audit::record(&state, Some(me.user.id), Action::Update, RecordKind::Client, &client.id.to_string(), &detail).await?;
    Ok(Redirect::to("/me?saved=tick#this-week").into_response())
}

#[derive(Deserialize)]
pub(crate) struct PainForm {
    nprs: String,
}

/// `POST /me/pain`: this week's pain check-in.
pub(crate) async fn pain(State(state): State<AppState>, CsrfForm(me, form): CsrfForm<PainForm>) -> Result<Response, WebError> {
    me.require_role(&[Role::Client])?;
    let client = state.store.client_for_user(me.user.id).await?.ok_or(WebError::NotFound)?;
    let nprs: i64 =
        form.nprs.trim().parse().map_err(|_| WebError::BadRequest(format!("nprs: \"{}\" is not a number from 0 to 10", form.nprs)))?;
    let (_, monday) = today_and_monday();
    state.store.put_pain_checkin(client.id, &PainCheckIn { week: monday.to_string(), nprs }).await?;
    crate::audit::record(
        &state,
        Some(me.user.id),
        Action::Update,
        RecordKind::Client,
        &client.id.to_string(),
        &format!("pain check-in {monday}"),
    )
    .await?;
    Ok(Redirect::to("/me?saved=pain#pain").into_response())
}

/// One week of what the client reported at home, for the therapist.
pub(crate) struct HomeWeek {
    pub week: String,
    /// Exercises ticked as done that week.
    pub ticks: usize,
    /// Days with at least one tick.
    pub days: usize,
    /// Ticks against the current phase's sessions a week (each at most one a day), pro rata
    /// for the days of the week the plan ran up to today, as a whole percentage; `None`
    /// without a plan or for a week before it started.
    pub adherence: Option<u32>,
    pub nprs: Option<i64>,
}

/// The last four weeks (this one first) of ticks and pain check-ins, for the client page;
/// empty when the client has reported nothing.
pub(crate) async fn summary(state: &AppState, client: &Client) -> Result<Vec<HomeWeek>, WebError> {
    let (today, monday) = today_and_monday();
    let since = monday.add_days(-21);
    let ticks = state.store.exercise_ticks(client.id, &since.to_string()).await?;
    let pains = state.store.pain_checkins(client.id, &since.to_string()).await?;
    if ticks.is_empty() && pains.is_empty() {
        return Ok(Vec::new());
    }
    let kb = state.clinic.engine().kb();
    let plan = current_plan(state, &state.store.assessments_for(client.id).await?).await?;
    let per_week: f64 = plan
        .as_ref()
        .and_then(|p| p.phases.get(tonus_app::render::current_phase(&p.phases, &today.to_string())))
        .map(|ph| ph.exercises.iter().filter_map(|e| kb.exercise(&e.id)).map(|k| k.sessions_per_week.min(7.0)).sum())
        .unwrap_or(0.0);
    let plan_start = plan.as_ref().and_then(|p| p.phases.first()).and_then(|ph| Date::parse(&ph.starts));
    Ok((0..4)
        .map(|w| {
            let start = monday.add_days(-7 * w);
            let end = start.add_days(6);
            // The days of this week the plan ran, up to today.
            let from = plan_start.map_or(start, |s| s.max(start));
            let ran = (end.min(today).days_since(from) + 1).max(0);
            let expected = per_week * ran as f64 / 7.0;
            let in_week: Vec<&ExerciseTick> =
                ticks.iter().filter(|t| Date::parse(&t.day).is_some_and(|d| d >= start && d <= end)).collect();
            let mut days: Vec<&str> = in_week.iter().map(|t| t.day.as_str()).collect();
            days.dedup();
            HomeWeek {
                week: start.to_string(),
                ticks: in_week.len(),
                days: days.len(),
                adherence: (expected > 0.0).then(|| ((in_week.len() as f64 / expected).min(1.0) * 100.0).round() as u32),
                nprs: pains.iter().find(|c| c.week == start.to_string()).map(|c| c.nprs),
            }
        })
        .collect())
}
