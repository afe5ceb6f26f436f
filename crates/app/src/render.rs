//! Renders a [`Report`] for one of two audiences: the clinician (everything, with the evidence
//! trail and the differential causes) and the client (plain words, what was found, why it may
//! hurt, the plan; no differentials, no rule ids). Text for the terminal here; HTML through the
//! askama templates in `templates/` (one system, one escaper, shared with the web app).
//! Both read only the report, so what they show is exactly what the JSON holds.

use std::fmt::Write as _;

use askama::Template;

use crate::report::{Laterality, MuscleView, PlanView, Report, StoryView};
use crate::simulate::Simulation;
use crate::words::{self, num};

/// Who a rendering is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Audience {
    /// The therapist: everything.
    #[default]
    Clinician,
    /// The client: plain words, no differential causes.
    Client,
}

impl Audience {
    /// Parses `clinician` or `client`.
    pub fn parse(s: &str) -> Option<Audience> {
        match s {
            "clinician" => Some(Audience::Clinician),
            "client" => Some(Audience::Client),
            _ => None,
        }
    }
}

/// Writes a line into a string (formatting into a `String` cannot fail).
macro_rules! out {
    ($w:expr) => {{ let _ = writeln!($w); }};
    ($w:expr, $($arg:tt)*) => {{ let _ = writeln!($w, $($arg)*); }};
}

/// The report as text for a terminal (plain, no colour codes).
pub fn render_text(r: &Report, audience: Audience) -> String {
    let mut s = String::new();
    header(&mut s, r, audience);
    red_flags(&mut s, r, audience);
    if audience == Audience::Clinician {
        warnings(&mut s, r);
        photos(&mut s, r);
        tests(&mut s, r);
        palpation(&mut s, r);
    }
    match (&r.story, audience) {
        (Some(story), Audience::Clinician) => clinician_story(&mut s, story),
        (Some(story), Audience::Client) => client_story(&mut s, story),
        (None, _) => {}
    }
    outcomes(&mut s, r);
    plan(&mut s, r, audience);
    if audience == Audience::Clinician {
        out!(s);
        out!(s, "REFERENCES");
        for rf in &r.references {
            out!(s, "  [{}] {}", rf.id, rf.citation);
        }
    }
    s
}

fn header(w: &mut String, r: &Report, audience: Audience) {
    let title = if audience == Audience::Client { "YOUR ASSESSMENT" } else { "TONUS ASSESSMENT" };
    out!(w, "{title} — {} — {}", r.client.name, r.assessed_on);
    let age = r.client.age.map(|a| format!(", {a} years")).unwrap_or_default();
    match audience {
        Audience::Clinician => {
            out!(w, "{}{age} · engine {} · report format {}", words::sex(r.client.sex), r.engine_version, r.format_version)
        }
        Audience::Client => out!(w, "This explains what your therapist found and your plan. It is not a diagnosis."),
    }
}

fn red_flags(w: &mut String, r: &Report, audience: Audience) {
    let rf = &r.red_flags;
    out!(w);
    match audience {
        Audience::Clinician => out!(w, "RED-FLAG SCREEN: {}", rf.status.as_str().to_uppercase()),
        Audience::Client => out!(w, "SAFETY QUESTIONS"),
    }
    out!(w, "  {}", words::gate_headline(rf));
    for f in &rf.positive {
        match audience {
            Audience::Clinician => {
                out!(w, "  ! {} [{}; {}; {}]", f.question, f.category_name, words::action(f.action), words::onset(f.onset))
            }
            Audience::Client => out!(w, "  ! {} {}", f.question, f.advice),
        }
    }
    for c in &rf.cleared {
        out!(w, "  ✓ {} — cleared by {} on {}: {}", c.flag.question, c.clearance.assessed_by, c.clearance.assessed_on, c.clearance.note);
    }
    if audience == Audience::Clinician {
        if !rf.missing.is_empty() {
            out!(w, "  unanswered: {}", rf.missing.join(", "));
        }
        for i in &rf.ignored_clearances {
            out!(w, "  clearance of {} not applied: {}", i.clearance.item, words::clearance_problem(i.problem));
        }
    }
}

fn warnings(w: &mut String, r: &Report) {
    if r.warnings.is_empty() {
        return;
    }
    out!(w);
    out!(w, "CHECK THE INTAKE");
    for x in &r.warnings {
        out!(w, "  ! {} ({})", words::implausible(&x.problem), x.fields.join(", "));
    }
}

fn photos(w: &mut String, r: &Report) {
    for p in &r.photos {
        out!(w);
        let detected = if p.view_detected { " (detected)" } else { "" };
        let model = p.model.as_ref().map(|m| format!(", {m} {}", p.model_version.as_deref().unwrap_or(""))).unwrap_or_default();
        out!(w, "PHOTO {} — {}{detected} view, {}, {} landmarks{model}", p.file, p.view, p.posture, p.landmark_source);
        for warn in &p.warnings {
            out!(w, "  ! {}", words::photo_warning(warn));
        }
        for m in &p.metrics {
            if let crate::report::Reading::NotMeasurable { cause } = &m.reading
                && cause.is_wrong_view()
            {
                continue;
            }
            let proxy = if m.kind == tonus_core::knowledge::MeasureKind::Proxy { " [proxy]" } else { "" };
            out!(w, "  {}{proxy}: {}", m.name, words::reading(m));
            if matches!(m.reading, crate::report::Reading::Measured { .. }) {
                let rc = m.real_change.map(|c| format!("; real change ≥ {}", words::with_unit(c, &m.unit))).unwrap_or_default();
                out!(w, "      norm: {}{rc} ({})", m.norm.trim_end_matches('.'), words::certainty(m.certainty));
            }
        }
    }
}

fn tests(w: &mut String, r: &Report) {
    if r.tests.is_empty() {
        return;
    }
    out!(w);
    out!(w, "CLINICAL TESTS");
    for t in &r.tests {
        let rc = t.real_change.map(|c| format!("; real change ≥ {}", num(c))).unwrap_or_default();
        out!(w, "  {}: {}{rc} ({})", t.name, words::test_result(t), words::certainty(t.certainty));
    }
}

fn palpation(w: &mut String, r: &Report) {
    if r.palpation.is_empty() {
        return;
    }
    out!(w);
    out!(w, "PALPATION (poor reliability between examiners: read with the other findings)");
    for p in &r.palpation {
        out!(w, "  {}, {}: {}", p.muscle_name, words::side(p.side), words::palpation(p));
    }
}

fn clinician_story(w: &mut String, story: &StoryView) {
    out!(w);
    out!(w, "MUSCLES (found = tests, palpation or photos; suspected = exposure or symptoms only)");
    for m in &story.muscles {
        out!(w, "  {:<28} {}", m.name, words::muscle_status(m));
        for e in &m.evidence {
            out!(
                w,
                "      ← [{}, {}] {} → {} (weight {}/10, {}) [{}]",
                words::evidence_kind(e.kind),
                words::laterality(e.laterality),
                e.observed.join("; "),
                words::points_to(e.points_to),
                num(e.weight * 10.0),
                words::certainty(e.certainty),
                e.sources.join(", ")
            );
        }
        for t in &m.next_tests {
            let toward: Vec<String> = t.toward.iter().map(|x| format!("{} (weight {:.2})", words::state(x.state), x.weight)).collect();
            let settles = if t.settles { "could settle it" } else { "would only add to it" };
            out!(
                w,
                "      next test: {} — {settles}; an outcome could point {}",
                t.name,
                words::join_and(&toward).replace(" and ", " or ")
            );
        }
    }
    out!(w);
    out!(w, "POSTURE COMPONENTS (recorded separately)");
    for c in &story.components {
        out!(w, "  {:<32} {}", c.name, words::component_status(c));
    }
    out!(w);
    out!(w, "PATTERN: {}", words::pattern(&story.pattern));
    out!(w, "  An inferred pattern label with a confidence, not a diagnosis; its components are reported separately.");
    if !story.pain.is_empty() {
        out!(w);
        out!(w, "WHY IT HURTS (the model's explanation, not a diagnosis)");
        for p in &story.pain {
            out!(w, "  {} — {}", p.region_name, words::reported(&p.reported));
            if let Some(h) = &p.headache {
                out!(w, "    {}", words::headache(h));
            }
            if p.causes.is_empty() {
                out!(w, "    {}", words::NO_MUSCULAR_CAUSE);
            }
            for c in &p.causes {
                out!(
                    w,
                    "    • {} ({}): {} — {} [{}]",
                    c.muscle_name,
                    words::laterality(c.laterality),
                    words::mechanism(c.mechanism),
                    words::support(&c.support),
                    words::certainty(c.certainty)
                );
            }
            for o in &p.other_causes {
                out!(w, "    ◦ also consider: {} — {}", o.cause, o.note);
            }
        }
    }
}

/// Where a client-facing muscle line says it is: "(right side)".
fn where_found(lat: Laterality) -> String {
    format!(" ({})", words::laterality_phrase(lat))
}

fn found_lines(story: &StoryView, state: tonus_core::knowledge::MuscleState) -> Vec<String> {
    story
        .muscles
        .iter()
        .filter_map(|m: &MuscleView| words::found_sides(m, state).map(|lat| format!("{}{}", m.plain_name, where_found(lat))))
        .collect()
}

fn client_story(w: &mut String, story: &StoryView) {
    use tonus_core::knowledge::MuscleState;
    out!(w);
    out!(w, "WHAT YOUR THERAPIST FOUND");
    let (tight, weak) = (found_lines(story, MuscleState::Overactive), found_lines(story, MuscleState::Inhibited));
    if tight.is_empty() && weak.is_empty() {
        out!(w, "  Nothing definite yet: your therapist will check the muscles at your next visit.");
    }
    for (label, list) in [("Tight and overworked", tight), ("Weak and underused", weak)] {
        if !list.is_empty() {
            out!(w, "  {label}: {}", words::join_and(&list));
        }
    }
    let supported: Vec<_> =
        story.pain.iter().filter(|p| p.causes.iter().any(|c| matches!(c.support, crate::report::SupportView::Supported { .. }))).collect();
    if supported.is_empty() {
        return;
    }
    out!(w);
    out!(w, "WHY IT MAY HURT (an explanation, not a diagnosis)");
    for p in supported {
        out!(w, "  {} ({}):", p.region_name, words::reported(&p.reported));
        for c in p.causes.iter().filter(|c| matches!(c.support, crate::report::SupportView::Supported { .. })) {
            out!(w, "    {}.", capitalise(&words::mechanism_plain(c.mechanism, &c.plain_name)));
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().collect::<String>() + c.as_str())
}

fn outcomes(w: &mut String, r: &Report) {
    out!(w);
    out!(w, "OUTCOME MEASURES");
    if let Some(n) = &r.outcomes.ndi {
        out!(w, "  Neck Disability Index: {}", words::ndi(n));
    }
    if let Some(n) = &r.outcomes.nprs {
        out!(w, "  Pain (NPRS): {}", words::nprs(n));
    }
    if let Some(p) = &r.outcomes.psfs {
        out!(w, "  Patient-Specific Functional Scale: {}", words::psfs(p));
    }
}

fn plan(w: &mut String, r: &Report, audience: Audience) {
    out!(w);
    let Some(plan) = &r.plan else {
        out!(w, "PLAN: none — {}", words::gate_headline(&r.red_flags));
        return;
    };
    out!(w, "PLAN — {}", words::plan_kind(plan.kind));
    if let Some(note) = &plan.maintenance_note {
        out!(w, "  {note}");
    }
    if let Some(note) = &plan.note {
        out!(w, "  Therapist's note: {note}");
    }
    if let Some(m) = &plan.massage {
        let tag = if audience == Audience::Clinician { format!(" [{}]", words::certainty(m.certainty)) } else { String::new() };
        out!(w, "  Massage: {} min, {}×/week for {} weeks{tag}", num(m.session_min), num(m.sessions_per_week), m.weeks);
        for (i, t) in m.targets.iter().enumerate() {
            out!(w, "    {}. {} ({}): {}", i + 1, t.muscle_name, words::laterality(t.laterality), t.techniques.join(", "));
        }
    }
    for ph in &plan.phases {
        out!(w, "  Weeks {}–{}: {} ({} to {})", ph.first_week, ph.last_week, ph.name, ph.starts, ph.ends);
        for e in &ph.exercises {
            out!(w, "    - {} ({}, {}): {}", e.name, words::purpose(e.purpose), words::laterality_phrase(e.laterality), e.dosage);
            if audience == Audience::Clinician {
                out!(w, "      {}", words::reason(&e.reason));
            }
        }
        out!(w, "    move on: {}", ph.progression);
    }
    if !plan.exposure_changes.is_empty() {
        out!(w, "  Changes to how you sit and work:");
        for c in &plan.exposure_changes {
            match audience {
                Audience::Clinician => out!(w, "    - {} [{}]", c.advice, words::certainty(c.certainty)),
                Audience::Client => out!(w, "    - {}", c.advice),
            }
        }
    }
    if !plan.tests_to_do.is_empty() {
        let title = if audience == Audience::Client {
            "  At your next visit your therapist may check:"
        } else {
            "  Tests to do next (for the muscles not found; those that could settle one first):"
        };
        out!(w, "{title}");
        for t in &plan.tests_to_do {
            match audience {
                Audience::Clinician => {
                    out!(w, "    - {} (informs: {})", t.name, t.muscles.iter().map(|m| m.replace('_', " ")).collect::<Vec<_>>().join(", "))
                }
                Audience::Client => out!(w, "    - {}", t.name),
            }
        }
    }
    out!(w, "  Review: outcome measures on {}, photos on {}", plan.review_outcomes_on, plan.review_photos_on);
}

/// Escapes text for HTML with askama's escaper, the same one the templates use (for the SVG
/// charts and overlays built in code).
pub fn esc(s: &str) -> String {
    match askama::filters::escape(s, askama::filters::Html) {
        Ok(safe) => safe.to_string(),
        Err(never) => match never {},
    }
}

/// The stylesheet of the HTML report (screen and print).
pub const REPORT_CSS: &str = include_str!("../templates/report.css");

/// The report as an HTML fragment (`<div class="tonus-report">`), for embedding in a page that
/// includes [`REPORT_CSS`]; with the what-if chart when a simulation is given.
pub fn render_html_fragment(r: &Report, audience: Audience, sim: Option<&Simulation>) -> String {
    let page = ReportFragment { r, client: audience == Audience::Client, sim, body_map: crate::svg::body_map(r, "bm", audience) };
    page.render().unwrap_or_else(|e| format!("<p>The report could not be rendered: {}</p>", esc(&e.to_string())))
}

/// The report as a complete, self-contained HTML page (no external resources).
pub fn render_html(r: &Report, audience: Audience, sim: Option<&Simulation>) -> String {
    let page = ReportPage { r, css: REPORT_CSS, fragment: render_html_fragment(r, audience, sim) };
    page.render().unwrap_or_default()
}

/// The HTML report's body.
#[derive(Template)]
#[template(path = "report.html")]
struct ReportFragment<'a> {
    r: &'a Report,
    client: bool,
    sim: Option<&'a Simulation>,
    body_map: String,
}

/// A whole HTML page around the fragment.
#[derive(Template)]
#[template(path = "report_page.html")]
struct ReportPage<'a> {
    r: &'a Report,
    css: &'static str,
    fragment: String,
}

impl ReportFragment<'_> {
    fn wrong_view(&self, m: &crate::report::MetricView) -> bool {
        matches!(&m.reading, crate::report::Reading::NotMeasurable { cause } if cause.is_wrong_view())
    }

    fn found(&self, story: &StoryView, state: tonus_core::knowledge::MuscleState) -> Vec<String> {
        found_lines(story, state)
    }

    fn is_supported(&self, c: &crate::report::CauseView) -> bool {
        matches!(c.support, crate::report::SupportView::Supported { .. })
    }

    fn supported_pain<'s>(&self, story: &'s StoryView) -> Vec<&'s crate::report::PainView> {
        story.pain.iter().filter(|p| p.causes.iter().any(|c| self.is_supported(c))).collect()
    }

    fn cap(&self, s: String) -> String {
        capitalise(&s)
    }
}

/// A phase as the handout shows it.
#[derive(Debug)]
struct HandoutPhase {
    name: String,
    first_week: u32,
    last_week: u32,
    starts: String,
    ends: String,
    exercises: Vec<HandoutExercise>,
    progression: String,
    /// The phase of `today` (before the plan starts: the first; after it ends: the last).
    current: bool,
    /// Whether it is over.
    past: bool,
}

/// An exercise as the handout shows it, in plain words.
#[derive(Debug)]
struct HandoutExercise {
    id: String,
    name: String,
    purpose: String,
    dosage: String,
    instructions: Vec<String>,
    cautions: Vec<String>,
    progression: String,
    /// What it needs beyond a chair, a wall or a doorway, in words; empty when nothing.
    needs: String,
    /// The library's desk alternative, by name, for breaks at the desk.
    desk_alternative: Option<String>,
    /// Its illustration (SVG), from the library's figure.
    figure: String,
}

#[derive(Template)]
#[template(path = "handout.html")]
struct HandoutFragment {
    client_name: String,
    assessed: String,
    edited: bool,
    blocked: bool,
    maintenance_note: Option<String>,
    therapist_note: Option<String>,
    massage: Vec<String>,
    massage_dose: String,
    phases: Vec<HandoutPhase>,
    advice: Vec<String>,
    review: String,
}

/// What the client's handout shows: the plan they follow (none while a red flag blocks it).
#[derive(Debug, Clone, Copy)]
pub struct Handout<'a> {
    /// The client's name.
    pub client_name: &'a str,
    /// When the assessment was, `YYYY-MM-DD`.
    pub assessed: &'a str,
    /// Whether the therapist adjusted the plan.
    pub edited: bool,
    /// The plan; `None` when there is none to follow.
    pub plan: Option<&'a PlanView>,
    /// Today, `YYYY-MM-DD`: the phase it falls in comes first, the others folded.
    pub today: &'a str,
    /// The knowledge base, for what each exercise needs and its desk alternative.
    pub kb: &'a tonus_core::KnowledgeBase,
}

/// The index of the phase `today` (`YYYY-MM-DD`) falls in: the first not yet over, or the
/// last once all are. ISO dates compare as text.
pub fn current_phase(phases: &[crate::report::PhaseView], today: &str) -> usize {
    phases.iter().position(|ph| ph.ends.is_empty() || ph.ends.as_str() >= today).unwrap_or(phases.len().saturating_sub(1))
}

/// The plan as the client reads it: muscles and massage techniques in the knowledge base's
/// plain words ("The small chest muscle at the front of your shoulder: kneading"), not the
/// clinical names the report uses. Names the knowledge base does not know stay as they are.
pub fn in_plain_words(plan: &PlanView, kb: &tonus_core::KnowledgeBase) -> PlanView {
    let mut plain = plan.clone();
    for target in plain.massage.iter_mut().flat_map(|m| m.targets.iter_mut()) {
        if let Some(muscle) = kb.muscle(&target.muscle) {
            target.muscle_name = capitalised(&muscle.plain_name);
        }
        for technique in &mut target.techniques {
            if let Some(known) = kb.techniques().iter().find(|t| &t.name == technique) {
                technique.clone_from(&known.plain_name);
            }
        }
    }
    plain
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() { "—" } else { text }
}

/// The client's handout as an HTML fragment (`<div class="tonus-handout">`): the plan in plain
/// words, with no metrics, inferences or differentials. Shared by the web app's handout page and
/// anything else that prints a plan for a client.
pub fn render_handout_fragment(h: Handout<'_>) -> String {
    let plan = h.plan;
    let (massage, massage_dose) = match plan.and_then(|p| p.massage.as_ref()) {
        Some(m) => (
            m.targets
                .iter()
                .map(|t| format!("{} ({}): {}", t.muscle_name, words::laterality(t.laterality), t.techniques.join("; ")))
                .collect(),
            format!("{:.0} minutes, {} times a week, for {} weeks", m.session_min, m.sessions_per_week, m.weeks),
        ),
        None => (Vec::new(), String::new()),
    };
    let review = match plan {
        Some(p) if !(p.review_outcomes_on.is_empty() && p.review_photos_on.is_empty()) => {
            format!("Next review: questionnaires on {}, photos on {}.", or_dash(&p.review_outcomes_on), or_dash(&p.review_photos_on))
        }
        _ => String::new(),
    };
    let current = plan.map_or(0, |p| current_phase(&p.phases, h.today));
    let phases = plan
        .map(|p| {
            p.phases
                .iter()
                .enumerate()
                .map(|(i, ph)| HandoutPhase {
                    current: i == current,
                    past: i < current,
                    name: ph.name.clone(),
                    first_week: ph.first_week,
                    last_week: ph.last_week,
                    starts: ph.starts.clone(),
                    ends: ph.ends.clone(),
                    exercises: ph
                        .exercises
                        .iter()
                        .map(|e| (e, h.kb.exercise(&e.id)))
                        .map(|(e, library)| HandoutExercise {
                            needs: library.map(tonus_core::knowledge::Exercise::needs_label).unwrap_or_default(),
                            desk_alternative: library
                                .and_then(|k| k.desk_alternative.as_deref())
                                .and_then(|alt| h.kb.exercise(alt))
                                .map(|alt| alt.name.clone()),
                            figure: library.map(|k| crate::figure::svg(&k.figure, &e.name)).unwrap_or_default(),
                            id: e.id.clone(),
                            name: e.name.clone(),
                            purpose: format!("{} · {}", words::purpose(e.purpose), words::laterality_phrase(e.laterality)),
                            dosage: e.dosage.clone(),
                            instructions: e.instructions.clone(),
                            cautions: e.cautions.clone(),
                            progression: e.progression.clone(),
                        })
                        .collect(),
                    progression: ph.progression.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let page = HandoutFragment {
        client_name: h.client_name.to_owned(),
        assessed: h.assessed.to_owned(),
        edited: h.edited,
        blocked: plan.is_none(),
        maintenance_note: plan.and_then(|p| p.maintenance_note.clone()),
        therapist_note: plan.and_then(|p| p.note.clone()),
        massage,
        massage_dose,
        phases,
        advice: plan.map(|p| p.exposure_changes.iter().map(|c| c.advice.clone()).collect()).unwrap_or_default(),
        review,
    };
    match page.render() {
        Ok(html) => html,
        Err(err) => format!("<p>The handout could not be rendered: {}</p>", esc(&err.to_string())),
    }
}
