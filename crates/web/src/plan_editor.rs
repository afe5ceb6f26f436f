//! The plan editor (`/assessments/{id}/plan`): the plan the client follows, as rows of massage
//! targets and exercises, each picked from the knowledge base, with side, dose, phase, order
//! and a remove box, plus the massage dose and a note to the client. No JSON and no script
//! needed: "Add" buttons post the form and come back with an empty row, and every problem is
//! shown at its field at once, with everything typed kept.
//!
//! The form is read into the clinic's [`PlanEdit`] here; the clinic checks it against the
//! knowledge base and saves it (`Clinic::edit_plan_with`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use tonus_app::report::{Laterality, PlanView};
use tonus_clinic::plans::{ExerciseEdit, MassageDose, PlanChange, PlanEdit, TargetEdit};
use tonus_clinic::{Actor, PlanRecord};
use tonus_core::knowledge::KnowledgeBase;
use tonus_store::AssessmentId;

use crate::access::{self, Access, parse_id};
use crate::assessments::user_name;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::format;
use crate::intake_form::FieldErrors;
use crate::pages::Layout;
use crate::state::AppState;

type Pairs = Vec<(String, String)>;

/// What a submit of the editor asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Submit {
    Save,
    AddTarget,
    AddExercise,
    /// Start again from the engine's plan.
    Reset,
}

/// A row as typed, before it is checked.
#[derive(Debug, Clone, Default)]
struct Row {
    order: f64,
    remove: bool,
    fields: std::collections::BTreeMap<String, Vec<String>>,
}

impl Row {
    fn one(&self, key: &str) -> String {
        self.fields.get(key).and_then(|v| v.first()).map(|s| s.trim().to_owned()).unwrap_or_default()
    }
}

/// Rows of one kind (`target` or `exercise`) by their form index, then put in the order typed
/// (ties keep the form's order) without the removed ones.
fn rows(pairs: &Pairs, kind: &str) -> Vec<Row> {
    let mut by_index: std::collections::BTreeMap<usize, Row> = std::collections::BTreeMap::new();
    for (key, value) in pairs {
        let Some(rest) = key.strip_prefix(kind).and_then(|r| r.strip_prefix('.')) else { continue };
        let Some((index, field)) = rest.split_once('.') else { continue };
        let Ok(index) = index.parse::<usize>() else { continue };
        if index > 500 {
            continue;
        }
        let row = by_index.entry(index).or_insert_with(|| Row { order: index as f64 + 1.0, ..Row::default() });
        match field {
            "order" => row.order = value.trim().parse().unwrap_or(row.order),
            "remove" => row.remove = true,
            _ => row.fields.entry(field.to_owned()).or_default().push(value.clone()),
        }
    }
    let mut rows: Vec<(usize, Row)> = by_index.into_iter().filter(|(_, r)| !r.remove).collect();
    rows.sort_by(|(ia, a), (ib, b)| a.order.total_cmp(&b.order).then(ia.cmp(ib)));
    rows.into_iter().map(|(_, r)| r).collect()
}

fn side(text: &str) -> Laterality {
    Laterality::parse(text).unwrap_or(Laterality::Both)
}

/// The edit the form describes, what it asks for, and the fields that did not read as numbers.
fn read_form(pairs: &Pairs) -> (PlanEdit, Submit, FieldErrors) {
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let mut errors = FieldErrors::new();
    let mut number = |key: &str, fallback: f64| match value(key).parse::<f64>() {
        Ok(n) if n.is_finite() => n,
        _ => {
            errors.insert(key.to_owned(), "give a number".into());
            fallback
        }
    };
    let dose = MassageDose {
        session_min: number("massage.session_min", 30.0),
        sessions_per_week: number("massage.sessions_per_week", 1.0),
        weeks: number("massage.weeks", 6.0).clamp(0.0, 1000.0) as u32,
    };
    let targets = rows(pairs, "target")
        .into_iter()
        .map(|r| TargetEdit {
            muscle: r.one("muscle"),
            laterality: side(&r.one("side")),
            techniques: r.fields.get("technique").cloned().unwrap_or_default(),
        })
        .collect();
    let exercises = rows(pairs, "exercise")
        .into_iter()
        .map(|r| ExerciseEdit { exercise: r.one("id"), phase: r.one("phase"), laterality: side(&r.one("side")), dosage: r.one("dosage") })
        .collect();
    let submit = match value("action").as_str() {
        "add_target" => Submit::AddTarget,
        "add_exercise" => Submit::AddExercise,
        "reset" => Submit::Reset,
        _ => Submit::Save,
    };
    (PlanEdit { targets, dose, exercises, note: value("note") }, submit, errors)
}

/// A choice in a select or a checkbox list.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices<'a>(options: impl IntoIterator<Item = (&'a str, &'a str)>, selected: &[String]) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, label)| Choice { value: value.to_owned(), label: label.to_owned(), selected: selected.iter().any(|s| s == value) })
        .collect()
}

fn sides(selected: Laterality) -> Vec<Choice> {
    [Laterality::Both, Laterality::Left, Laterality::Right]
        .into_iter()
        .map(|l| Choice {
            value: l.as_str().to_owned(),
            label: match l {
                Laterality::Both => "Both sides",
                Laterality::Left => "Left",
                Laterality::Right => "Right",
            }
            .to_owned(),
            selected: l == selected,
        })
        .collect()
}

struct TargetRow {
    index: usize,
    muscles: Vec<Choice>,
    sides: Vec<Choice>,
    techniques: Vec<Choice>,
    muscle_error: Option<String>,
    techniques_error: Option<String>,
}

struct ExerciseRow {
    index: usize,
    exercise: String,
    name: String,
    phases: Vec<Choice>,
    sides: Vec<Choice>,
    dosage: String,
    id_error: Option<String>,
    phase_error: Option<String>,
    dosage_error: Option<String>,
}

#[derive(Template)]
#[template(path = "assessments/plan.html")]
struct PlanEditorPage {
    layout: Layout,
    assessment_id: String,
    client_name: String,
    edited: Option<String>,
    errors: Vec<(String, String)>,
    targets: Vec<TargetRow>,
    session_min: String,
    sessions_per_week: String,
    weeks: String,
    dose_errors: Vec<(String, String)>,
    exercises: Vec<ExerciseRow>,
    library: Vec<Choice>,
    note: String,
    note_error: Option<String>,
    max_note: usize,
    /// Carried forward from an earlier assessment: its date, and the engine's proposed changes
    /// still to review.
    carried: Option<Carried>,
}

#[derive(Clone)]
struct Carried {
    from: String,
    pending: bool,
    changes: Vec<(String, String)>,
}

/// What the page says above the editor, whatever the form holds.
struct Header {
    assessment_id: String,
    client_name: String,
    /// Who edited the plan, and when.
    edited: Option<String>,
    carried: Option<Carried>,
}

/// A proposed change in words, for the therapist.
fn change_words(change: &PlanChange) -> String {
    let dose = |d: &MassageDose| {
        format!(
            "{}-minute sessions, {} a week for {} weeks",
            tonus_app::words::num(d.session_min),
            tonus_app::words::num(d.sessions_per_week),
            d.weeks
        )
    };
    let side = |l: Laterality| tonus_app::words::laterality_phrase(l);
    match change {
        PlanChange::AddExercise { phase_name, exercise, .. } => {
            format!("Add {} ({}) to {phase_name}: {}", exercise.name, side(exercise.laterality), exercise.dosage)
        }
        PlanChange::DropExercise { phase_name, name, .. } => {
            format!("Drop {name} from {phase_name}: the new findings no longer call for it")
        }
        PlanChange::AddTarget(t) => format!("Add massage of {} ({}): {}", t.muscle_name, side(t.laterality), t.techniques.join(", ")),
        PlanChange::DropTarget { name, laterality, .. } => format!("Stop massage of {name} ({})", side(*laterality)),
        PlanChange::Dose { from, to } => format!("Change the massage dose from {} to {}", dose(from), dose(to)),
    }
}

fn page(layout: Layout, header: &Header, edit: &PlanEdit, base: &PlanView, kb: &KnowledgeBase, errors: &FieldErrors) -> PlanEditorPage {
    let error = |key: String| errors.get(&key).cloned();
    let muscles: Vec<(&str, &str)> = kb.muscles().iter().map(|m| (m.id.as_str(), m.name.as_str())).collect();
    let techniques: Vec<(&str, &str)> = kb.techniques().iter().map(|t| (t.id.as_str(), t.name.as_str())).collect();
    let phases: Vec<(String, String)> =
        base.phases.iter().map(|p| (p.id.clone(), format!("Weeks {}–{}: {}", p.first_week, p.last_week, p.name))).collect();
    PlanEditorPage {
        layout,
        assessment_id: header.assessment_id.clone(),
        client_name: header.client_name.clone(),
        edited: header.edited.clone(),
        errors: errors.iter().map(|(k, v)| (k.clone(), format!("{}: {v}", field_label(k)))).collect(),
        targets: edit
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| TargetRow {
                index: i,
                muscles: choices(muscles.iter().copied(), std::slice::from_ref(&t.muscle)),
                sides: sides(t.laterality),
                techniques: choices(techniques.iter().copied(), &t.techniques),
                muscle_error: error(format!("target.{i}.muscle")),
                techniques_error: error(format!("target.{i}.techniques")),
            })
            .collect(),
        session_min: tonus_app::words::num(edit.dose.session_min),
        sessions_per_week: tonus_app::words::num(edit.dose.sessions_per_week),
        weeks: edit.dose.weeks.to_string(),
        dose_errors: ["massage.session_min", "massage.sessions_per_week", "massage.weeks"]
            .into_iter()
            .filter_map(|k| errors.get(k).map(|v| (k.to_owned(), v.clone())))
            .collect(),
        exercises: edit
            .exercises
            .iter()
            .enumerate()
            .map(|(i, e)| ExerciseRow {
                index: i,
                exercise: e.exercise.clone(),
                name: kb.exercise(&e.exercise).map(|x| x.name.clone()).unwrap_or_default(),
                phases: choices(phases.iter().map(|(id, label)| (id.as_str(), label.as_str())), std::slice::from_ref(&e.phase)),
                sides: sides(e.laterality),
                dosage: e.dosage.clone(),
                id_error: error(format!("exercise.{i}.id")),
                phase_error: error(format!("exercise.{i}.phase")),
                dosage_error: error(format!("exercise.{i}.dosage")),
            })
            .collect(),
        library: kb.exercises().iter().map(|e| Choice { value: e.id.clone(), label: e.name.clone(), selected: false }).collect(),
        note: edit.note.clone(),
        note_error: error("note".into()),
        max_note: tonus_clinic::plans::MAX_NOTE,
        carried: header.carried.clone(),
    }
}

/// Where a field is, in the words of the page: "Exercise 3", "Massage target 1".
fn field_label(field: &str) -> String {
    let mut parts = field.split('.');
    match (parts.next(), parts.next().and_then(|i| i.parse::<usize>().ok())) {
        (Some("exercise"), Some(i)) => format!("Exercise {}", i + 1),
        (Some("target"), Some(i)) => format!("Massage target {}", i + 1),
        (Some("massage"), _) => "Massage dose".into(),
        (Some("note"), _) => "Note".into(),
        _ => "The plan".into(),
    }
}

/// The plan record, or why there is nothing to edit.
async fn editable(state: &AppState, me: &CurrentUser, id: AssessmentId) -> Result<(String, tonus_store::Assessment, PlanRecord), WebError> {
    let (client, assessment) = access::assessment(state, me, id, Access::Write).await?;
    let plan = state
        .clinic
        .plan(&assessment)
        .await?
        .ok_or_else(|| WebError::Conflict("this assessment has no plan: it is not complete".into()))?;
    if plan.current().is_none() {
        return Err(WebError::Conflict("the red-flag screen blocks the plan: refer the client first".into()));
    }
    Ok((client.display_name, assessment, plan))
}

/// Who edited the plan, and where it was carried from.
async fn header(state: &AppState, id: AssessmentId, client_name: String, plan: &PlanRecord) -> Result<Header, WebError> {
    let edited = match plan.edited_by.zip(plan.edited_at) {
        Some((by, at)) => Some(format!("{} on {}", user_name(state, by).await?, format::datetime(at))),
        None => None,
    };
    let carried = match plan.carried_from {
        Some(from) => {
            let earlier = state.store.assessment(from).await?;
            let changes = match (plan.review_pending, plan.current(), plan.engine.as_ref()) {
                (true, Some(current), Some(engine)) => {
                    tonus_clinic::plans::proposed_changes(current, engine).iter().map(|c| (c.key(), change_words(c))).collect()
                }
                _ => Vec::new(),
            };
            Some(Carried {
                from: earlier.completed_at.map(format::date).unwrap_or_else(|| "an earlier assessment".into()),
                pending: plan.review_pending,
                changes,
            })
        }
        None => None,
    };
    Ok(Header { assessment_id: id.to_string(), client_name, edited, carried })
}

pub(crate) async fn show(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Html<String>, WebError> {
    me.require_staff()?;
    let id: AssessmentId = parse_id(&id)?;
    let (client_name, _, plan) = editable(&state, &me, id).await?;
    let base = plan.current().ok_or(WebError::NotFound)?;
    let kb = state.clinic.engine().kb();
    let header = header(&state, id, client_name, &plan).await?;
    let page = page(Layout::for_user("Edit plan", &me), &header, &PlanEdit::of(base, kb), base, kb, &FieldErrors::new());
    Ok(Html(page.render()?))
}

pub(crate) async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let id: AssessmentId = parse_id(&id)?;
    let (client_name, assessment, plan) = editable(&state, &me, id).await?;
    let base = plan.current().ok_or(WebError::NotFound)?.clone();
    let kb = state.clinic.engine().kb();
    let (mut edit, submit, mut errors) = read_form(&pairs);
    let header = header(&state, id, client_name, &plan).await?;
    let again = |edit: &PlanEdit, errors: &FieldErrors, status: StatusCode| -> Result<Response, WebError> {
        let page = page(Layout::for_user("Edit plan", &me), &header, edit, &base, kb, errors);
        Ok((status, Html(page.render()?)).into_response())
    };
    match submit {
        Submit::AddTarget => {
            let technique = kb.techniques().first().map(|t| t.id.clone()).into_iter().collect();
            edit.targets.push(TargetEdit { muscle: String::new(), laterality: Laterality::Both, techniques: technique });
            return again(&edit, &FieldErrors::new(), StatusCode::OK);
        }
        Submit::AddExercise => {
            let phase = base.phases.first().map(|p| p.id.clone()).unwrap_or_default();
            edit.exercises.push(ExerciseEdit { exercise: String::new(), phase, laterality: Laterality::Both, dosage: String::new() });
            return again(&edit, &FieldErrors::new(), StatusCode::OK);
        }
        Submit::Reset => {
            let engine = plan.engine.as_ref().unwrap_or(&base);
            return again(&PlanEdit::of(engine, kb), &FieldErrors::new(), StatusCode::OK);
        }
        Submit::Save => {}
    }
    // An exercise typed by name (from the search list) is read as its id.
    for e in &mut edit.exercises {
        if kb.exercise(&e.exercise).is_none()
            && let Some(found) = kb.exercises().iter().find(|x| x.name.eq_ignore_ascii_case(&e.exercise))
        {
            e.exercise = found.id.clone();
        }
    }
    if errors.is_empty() {
        match state.clinic.edit_plan_with(Actor::user(me.user.id), &assessment, &edit).await {
            Ok(_) => return Ok(Redirect::to(&format!("/assessments/{id}?plan=saved")).into_response()),
            Err(problems) => {
                for p in problems {
                    if p.kind != tonus_clinic::ErrorKind::Invalid {
                        return Err(p.into());
                    }
                    errors.insert(p.field.clone().unwrap_or_default(), p.message);
                }
            }
        }
    }
    again(&edit, &errors, StatusCode::UNPROCESSABLE_ENTITY)
}

/// The review of a carried-forward plan: the checked changes are made, the rest rejected.
pub(crate) async fn review(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, pairs): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let id: AssessmentId = parse_id(&id)?;
    let (_, assessment, _) = editable(&state, &me, id).await?;
    let accepted: Vec<String> = pairs.into_iter().filter(|(k, _)| k == "accept").map(|(_, v)| v).collect();
    state.clinic.review_plan(Actor::user(me.user.id), &assessment, &accepted).await?;
    Ok(Redirect::to(&format!("/assessments/{id}/plan")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Pairs {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn rows_follow_the_typed_order_and_drop_removed_ones() {
        let (edit, submit, errors) = read_form(&pairs(&[
            ("exercise.0.id", "a"),
            ("exercise.0.order", "3"),
            ("exercise.1.id", "b"),
            ("exercise.1.order", "1"),
            ("exercise.1.side", "left"),
            ("exercise.2.id", "c"),
            ("exercise.2.remove", "on"),
            ("exercise.3.id", "d"),
            ("exercise.3.order", "1"),
            ("target.0.muscle", "upper_trapezius"),
            ("target.0.technique", "t1"),
            ("target.0.technique", "t2"),
            ("massage.session_min", "45"),
            ("massage.sessions_per_week", "lots"),
            ("massage.weeks", "8"),
            ("note", "  Gently.  "),
            ("action", "add_exercise"),
        ]));
        let ids: Vec<_> = edit.exercises.iter().map(|e| e.exercise.as_str()).collect();
        assert_eq!(ids, ["b", "d", "a"], "by order, ties in form order, removed dropped");
        assert_eq!(edit.exercises[0].laterality, Laterality::Left);
        assert_eq!(edit.targets[0].techniques, ["t1", "t2"]);
        assert_eq!((edit.dose.session_min, edit.dose.weeks), (45.0, 8));
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["massage.sessions_per_week"]);
        assert_eq!(edit.note, "Gently.");
        assert_eq!(submit, Submit::AddExercise);
    }
}
