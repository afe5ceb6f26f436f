//! A client's whole record as files: the JSON export, one CSV per table-like record, and a
//! ZIP archive holding both with the photo files.
//!
//! The JSON (`client.json`) is the complete, lossless record as the store exports it. The CSVs
//! are for spreadsheets and carry the parts a person reads in rows: the client, assessments,
//! photos, landmark sets, measurements (photo metrics, clinical tests and outcome measures),
//! muscle states per side, plan items, notes and the audit log. They are RFC 4180: comma
//! separated, CRLF line ends, fields quoted when they hold a comma, quote or line break. A text
//! field that a spreadsheet would run as a formula (it starts with `=`, `+`, `@` or a `-` that
//! does not begin a number) gets a leading `'`.
//!
//! Reports and plans are read into their types first ([`crate::docs`]); a report of an earlier
//! format contributes no measurement rows (its JSON is still in `client.json`). Left out on
//! purpose: access control and audit lines (the use cases in `records.rs` write them) and
//! share link token hashes (the store never exports them).

use std::io::Write as _;

use tonus_app::report::{PlanView, Reading, Report, TestResult};
use tonus_store::{ClientExport, ClientId, Store, Timestamp};

use crate::docs::{self, StoredReport};
use crate::error::ClinicError;

/// The record's file name stem, such as `tonus-client-0190…`.
pub fn file_stem(id: ClientId) -> String {
    format!("tonus-client-{id}")
}

/// The whole record as pretty JSON.
pub fn json_bytes(export: &ClientExport) -> Result<Vec<u8>, ClinicError> {
    let mut bytes =
        serde_json::to_vec_pretty(export).map_err(|e| ClinicError::engine(format!("cannot serialise the client export: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// One CSV file: its name inside the archive and its text.
#[derive(Debug, Clone)]
pub(crate) struct CsvFile {
    pub name: &'static str,
    pub text: String,
}

/// The record's CSV files, in a fixed order.
pub(crate) fn csv_files(export: &ClientExport) -> Vec<CsvFile> {
    vec![
        CsvFile { name: "client.csv", text: client_csv(export) },
        CsvFile { name: "assessments.csv", text: assessments_csv(export) },
        CsvFile { name: "photos.csv", text: photos_csv(export) },
        CsvFile { name: "landmark_sets.csv", text: landmarks_csv(export) },
        CsvFile { name: "measurements.csv", text: measurements_csv(export) },
        CsvFile { name: "muscles.csv", text: muscles_csv(export) },
        CsvFile { name: "plans.csv", text: plans_csv(export) },
        CsvFile { name: "notes.csv", text: notes_csv(export) },
        CsvFile { name: "desk_days.csv", text: desk_days_csv(export) },
        CsvFile { name: "client_details.csv", text: details_csv(export) },
        CsvFile { name: "exercise_ticks.csv", text: ticks_csv(export) },
        CsvFile { name: "pain_checkins.csv", text: checkins_csv(export) },
        CsvFile { name: "audit.csv", text: audit_csv(export) },
    ]
}

/// Where a photo goes inside the archive: named by its content hash, like on disk.
pub fn photo_entry(rel_path: &str) -> String {
    let file = rel_path.rsplit('/').next().unwrap_or(rel_path);
    format!("photos/{file}")
}

const README: &str = "Tonus client export\r\n\
\r\n\
client.json        the whole record, complete and lossless (format tonus-client-export/1)\r\n\
*.csv              the same record in rows for spreadsheets (RFC 4180, UTF-8, times in UTC)\r\n\
photos/            the photo files, named by the SHA-256 of their bytes (see photos.csv)\r\n\
\r\n\
measurements.csv holds photo metrics, clinical tests and outcome measures of each report;\r\n\
plans.csv holds one row per plan item, for the engine's plan and the therapist's edit.\r\n";

/// Builds the ZIP archive: README, JSON, CSVs and every photo file of the record. Photos are
/// stored as they are (already compressed); text is deflated.
pub async fn archive(store: &dyn Store, export: &ClientExport) -> Result<Vec<u8>, ClinicError> {
    let mut photos = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for photo in &export.photos {
        let entry = photo_entry(&photo.rel_path);
        if seen.insert(entry.clone()) {
            let (_, bytes) = store.photo_bytes(photo.id).await?;
            photos.push((entry, bytes));
        }
    }
    let json = json_bytes(export)?;
    let csvs = csv_files(export);
    tokio::task::spawn_blocking(move || write_zip(&json, &csvs, &photos))
        .await
        .map_err(|e| ClinicError::engine(format!("building the zip archive stopped: {e}")))?
}

fn write_zip(json: &[u8], csvs: &[CsvFile], photos: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ClinicError> {
    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;
    let zip_err = |what: &str, e: &dyn std::fmt::Display| ClinicError::engine(format!("cannot write {what} into the zip archive: {e}"));
    let text = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).unix_permissions(0o644);
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut add = |name: &str, options: SimpleFileOptions, bytes: &[u8]| -> Result<(), ClinicError> {
        zip.start_file(name, options).map_err(|e| zip_err(name, &e))?;
        zip.write_all(bytes).map_err(|e| zip_err(name, &e))
    };
    add("README.txt", text, README.as_bytes())?;
    add("client.json", text, json)?;
    for csv in csvs {
        add(csv.name, text, csv.text.as_bytes())?;
    }
    for (name, bytes) in photos {
        add(name, stored, bytes)?;
    }
    let cursor = zip.finish().map_err(|e| zip_err("the central directory", &e))?;
    Ok(cursor.into_inner())
}

/// `2026-11-24T07:10:33Z`, or empty.
fn iso(ts: Option<Timestamp>) -> String {
    ts.map(crate::time::iso8601).unwrap_or_default()
}

/// Quotes one CSV field per RFC 4180, defusing spreadsheet formulas in text.
pub fn field(text: &str) -> String {
    let risky = match text.as_bytes().first() {
        Some(b'=' | b'+' | b'@' | b'\t' | b'\r') => true,
        Some(b'-') => text.parse::<f64>().is_err(),
        _ => false,
    };
    let text = if risky { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\r', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// A CSV table under construction.
struct Table(String);

impl Table {
    fn new(header: &[&str]) -> Self {
        let mut t = Table(String::new());
        t.row(header.iter().map(|h| (*h).to_owned()).collect());
        t
    }

    fn row(&mut self, fields: Vec<String>) {
        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
        self.0.push_str(&line.join(","));
        self.0.push_str("\r\n");
    }
}

/// The record's reports read in the current format, with their ids; outdated ones are left
/// out of the rows.
fn reports(e: &ClientExport) -> Vec<(&tonus_store::Report, Report)> {
    e.reports
        .iter()
        .filter_map(|r| match docs::report(&r.report, r.id) {
            Ok(StoredReport::Current(report)) => Some((r, *report)),
            _ => None,
        })
        .collect()
}

fn num(v: f64) -> String {
    tonus_app::words::num(v)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn client_csv(e: &ClientExport) -> String {
    let c = &e.client;
    let mut t = Table::new(&[
        "client_id",
        "display_name",
        "reference",
        "shared_with_clinic",
        "owner_id",
        "client_account_id",
        "created_at",
        "updated_at",
        "exported_at",
    ]);
    t.row(vec![
        c.id.to_string(),
        c.display_name.clone(),
        c.reference.clone().unwrap_or_default(),
        c.shared_with_clinic.to_string(),
        c.owner.to_string(),
        c.user.map(|u| u.to_string()).unwrap_or_default(),
        iso(Some(c.created_at)),
        iso(Some(c.updated_at)),
        iso(Some(e.exported_at)),
    ]);
    t.0
}

fn assessments_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&[
        "assessment_id",
        "status",
        "created_by",
        "created_at",
        "completed_at",
        "engine_version",
        "red_flag_status",
        "pattern",
        "pattern_applies",
        "pattern_confidence",
    ]);
    let reports = reports(e);
    for a in &e.assessments {
        let report = reports.iter().rfind(|(r, _)| r.assessment == a.id);
        let pattern = report.and_then(|(_, r)| r.story.as_ref()).map(|s| &s.pattern);
        t.row(vec![
            a.id.to_string(),
            a.status.to_string(),
            a.created_by.to_string(),
            iso(Some(a.created_at)),
            iso(a.completed_at),
            report.map(|(r, _)| r.engine_version.clone()).unwrap_or_default(),
            report.map(|(_, r)| r.red_flags.status.as_str().to_owned()).unwrap_or_default(),
            opt(pattern.map(|p| p.name.clone())),
            opt(pattern.map(|p| p.applies)),
            opt(pattern.map(|p| num(p.confidence))),
        ]);
    }
    t.0
}

fn photos_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&["photo_id", "assessment_id", "view", "media_type", "bytes", "sha256", "file", "created_at"]);
    for p in &e.photos {
        t.row(vec![
            p.id.to_string(),
            p.assessment.to_string(),
            p.view.as_str().to_owned(),
            p.media_type.clone(),
            p.byte_len.to_string(),
            p.content_hash.clone(),
            photo_entry(&p.rel_path),
            iso(Some(p.created_at)),
        ]);
    }
    t.0
}

fn landmarks_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&[
        "landmark_set_id",
        "assessment_id",
        "photo_id",
        "view",
        "source",
        "model",
        "model_version",
        "moved_points",
        "corrects",
        "created_at",
    ]);
    for l in &e.landmark_sets {
        t.row(vec![
            l.id.to_string(),
            l.assessment.to_string(),
            l.photo.map(|p| p.to_string()).unwrap_or_default(),
            l.view.map_or("detected", |v| v.as_str()).to_owned(),
            l.source.to_string(),
            l.model.clone(),
            l.model_version.clone(),
            l.moved_points.join("; "),
            opt(l.corrects),
            iso(Some(l.created_at)),
        ]);
    }
    t.0
}

fn measurements_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&[
        "assessment_id",
        "report_id",
        "kind",
        "photo",
        "view",
        "side",
        "measure_id",
        "name",
        "value",
        "unit",
        "finding",
        "not_measurable",
        "norm",
        "real_change",
        "certainty",
    ]);
    for (stored, r) in reports(e) {
        let (a, id) = (stored.assessment.to_string(), stored.id.to_string());
        let row = |kind: &str, photo: String, view: String, side: &str, cells: [String; 9]| {
            let mut fields = vec![a.clone(), id.clone(), kind.into(), photo, view, side.into()];
            fields.extend(cells);
            fields
        };
        for photo in &r.photos {
            for m in &photo.metrics {
                let (value, finding, cause) = match &m.reading {
                    Reading::Measured { value, finding, .. } => (num(*value), opt(finding.map(tonus_app::words::finding)), String::new()),
                    Reading::NotMeasurable { cause } => (String::new(), String::new(), tonus_app::words::not_measurable(cause)),
                };
                t.row(row(
                    "photo metric",
                    photo.file.clone(),
                    photo.view.as_str().into(),
                    "",
                    [
                        m.id.clone(),
                        m.name.clone(),
                        value,
                        m.unit.clone(),
                        finding,
                        cause,
                        m.norm.clone(),
                        opt(m.real_change.map(num)),
                        tonus_app::words::certainty(m.certainty).into(),
                    ],
                ));
            }
        }
        for test in &r.tests {
            let sides = match &test.result {
                TestResult::Whole { reading } => vec![("", Some(reading))],
                TestResult::Sided { left, right } => vec![("left", left.as_ref()), ("right", right.as_ref())],
            };
            for (side, reading) in sides {
                let Some(reading) = reading else { continue };
                let value = reading.label.clone().unwrap_or_else(|| num(reading.value));
                t.row(row(
                    "clinical test",
                    String::new(),
                    String::new(),
                    side,
                    [
                        test.id.clone(),
                        test.name.clone(),
                        value,
                        test.unit.clone(),
                        opt(reading.finding.map(tonus_app::words::finding)),
                        String::new(),
                        test.norm.clone(),
                        opt(test.real_change.map(num)),
                        tonus_app::words::certainty(test.certainty).into(),
                    ],
                ));
            }
        }
        let o = &r.outcomes;
        let mut measure = |measure: &str, name: &str, value: Option<f64>, unit: &str, real: Option<f64>, finding: String| {
            if let Some(value) = value {
                t.row(row(
                    "outcome measure",
                    String::new(),
                    String::new(),
                    "",
                    [
                        measure.into(),
                        name.into(),
                        num(value),
                        unit.into(),
                        finding,
                        String::new(),
                        String::new(),
                        opt(real.map(num)),
                        String::new(),
                    ],
                ));
            }
        };
        if let Some(tonus_app::report::NdiView::Scored { percent, band, real_change, .. }) = &o.ndi {
            measure("ndi", "Neck Disability Index", Some(*percent), "%", Some(*real_change), band.clone());
        }
        if let Some(n) = &o.nprs {
            measure("nprs_now", "Pain now (NPRS)", n.now.map(f64::from), "0-10", Some(n.real_change), String::new());
            measure("nprs_week", "Pain, week average (NPRS)", n.average_week.map(f64::from), "0-10", Some(n.real_change), String::new());
        }
        if let Some(p) = &o.psfs {
            measure("psfs", "Patient-Specific Functional Scale", Some(p.mean), "0-10", Some(p.real_change), String::new());
        }
    }
    t.0
}

fn muscles_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&["assessment_id", "report_id", "muscle_id", "name", "side", "status", "typical_state", "evidence_rules"]);
    for (stored, r) in reports(e) {
        let Some(story) = &r.story else { continue };
        for m in &story.muscles {
            let rules: Vec<String> = m.evidence.iter().map(|ev| ev.rule.clone()).collect();
            for side in [tonus_core::vocab::Side::Left, tonus_core::vocab::Side::Right] {
                t.row(vec![
                    stored.assessment.to_string(),
                    stored.id.to_string(),
                    m.id.clone(),
                    m.name.clone(),
                    side.as_str().into(),
                    tonus_app::words::status(m.side(side)),
                    format!("{:?}", m.typical_state).to_lowercase(),
                    rules.join("; "),
                ]);
            }
        }
    }
    t.0
}

fn plans_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&[
        "assessment_id",
        "plan_id",
        "version",
        "current",
        "edited_by",
        "edited_at",
        "section",
        "phase",
        "item_id",
        "item",
        "detail",
    ]);
    for p in &e.plans {
        let read = |v: &serde_json::Value| if v.is_null() { None } else { docs::plan(v, "plan").ok() };
        let mut versions: Vec<(&str, Option<PlanView>, bool)> = vec![("engine", read(&p.engine_plan), p.edited_plan.is_none())];
        if let Some(edited) = &p.edited_plan {
            versions.push(("therapist", read(edited), true));
        }
        for (version, plan, current) in versions {
            let Some(plan) = plan else { continue };
            let therapist = version == "therapist";
            let mut row = |section: &str, phase: String, item_id: String, item: String, detail: String| {
                t.row(vec![
                    p.assessment.to_string(),
                    p.id.to_string(),
                    version.into(),
                    current.to_string(),
                    if therapist { opt(p.edited_by) } else { String::new() },
                    if therapist { iso(p.edited_at) } else { String::new() },
                    section.into(),
                    phase,
                    item_id,
                    item,
                    detail,
                ]);
            };
            if let Some(massage) = &plan.massage {
                for target in &massage.targets {
                    let detail = format!(
                        "{}; {}; {} min, {} a week for {} weeks",
                        tonus_app::words::laterality(target.laterality),
                        target.techniques.join("; "),
                        num(massage.session_min),
                        num(massage.sessions_per_week),
                        massage.weeks,
                    );
                    row("massage", String::new(), target.muscle.clone(), target.muscle_name.clone(), detail);
                }
            }
            for phase in &plan.phases {
                for ex in &phase.exercises {
                    let detail = format!("{}; {}", tonus_app::words::laterality(ex.laterality), ex.dosage);
                    row("exercise", phase.name.clone(), ex.id.clone(), ex.name.clone(), detail);
                }
            }
            for change in &plan.exposure_changes {
                row("exposure change", String::new(), change.id.clone(), change.advice.clone(), String::new());
            }
            for (key, what, date) in [
                ("review_outcomes_on", "review outcome measures", &plan.review_outcomes_on),
                ("review_photos_on", "review photos", &plan.review_photos_on),
            ] {
                if !date.is_empty() {
                    row("review", String::new(), key.into(), what.into(), date.clone());
                }
            }
        }
    }
    t.0
}

fn notes_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&["note_id", "assessment_id", "author_id", "created_at", "body"]);
    for n in &e.notes {
        t.row(vec![
            n.id.to_string(),
            n.assessment.map(|a| a.to_string()).unwrap_or_default(),
            n.author.to_string(),
            iso(Some(n.created_at)),
            n.body.clone(),
        ]);
    }
    t.0
}

fn desk_days_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&[
        "day",
        "sitting_ms",
        "longest_bout_ms",
        "breaks_offered",
        "breaks_taken",
        "readable_ms",
        "within_ms",
        "nudges",
        "exercises_done",
    ]);
    for d in &e.desk_days {
        t.row(vec![
            d.day.clone(),
            d.sitting_ms.to_string(),
            d.longest_bout_ms.to_string(),
            d.breaks_offered.to_string(),
            d.breaks_taken.to_string(),
            d.readable_ms.to_string(),
            d.within_ms.to_string(),
            d.nudges.to_string(),
            d.exercises_done.to_string(),
        ]);
    }
    t.0
}

fn details_csv(e: &ClientExport) -> String {
    let d = &e.details;
    let mut t = Table::new(&["date_of_birth", "phone", "email", "consent_version", "consent_items", "consent_on"]);
    let consent = d.consent.as_ref();
    t.row(vec![
        d.date_of_birth.clone().unwrap_or_default(),
        d.phone.clone(),
        d.email.clone(),
        consent.map(|c| c.version.clone()).unwrap_or_default(),
        consent.map(|c| c.items.join(" ")).unwrap_or_default(),
        consent.map(|c| c.given_on.clone()).unwrap_or_default(),
    ]);
    t.0
}

fn ticks_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&["day", "exercise"]);
    for tick in &e.exercise_ticks {
        t.row(vec![tick.day.clone(), tick.exercise.clone()]);
    }
    t.0
}

fn checkins_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&["week", "nprs"]);
    for c in &e.pain_checkins {
        t.row(vec![c.week.clone(), c.nprs.to_string()]);
    }
    t.0
}

fn audit_csv(e: &ClientExport) -> String {
    audit_table(&e.audit_log)
}

/// Audit lines as a CSV table (the client export's `audit.csv`, and the archive written before
/// old lines are pruned).
pub fn audit_table(lines: &[tonus_store::AuditEntry]) -> String {
    let mut t = Table::new(&["id", "at", "actor_id", "action", "record_kind", "record_id", "detail"]);
    for line in lines {
        t.row(vec![
            line.id.to_string(),
            iso(Some(line.at)),
            line.actor.map(|u| u.to_string()).unwrap_or_default(),
            line.action.clone(),
            line.record_kind.clone(),
            line.record_id.clone(),
            line.detail.clone(),
        ]);
    }
    t.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_fields_per_rfc_4180() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field(""), "");
    }

    #[test]
    fn defuses_formulas_but_keeps_negative_numbers() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("@sum"), "'@sum");
        assert_eq!(field("-cmd"), "'-cmd");
        assert_eq!(field("-3.5"), "-3.5");
    }

    #[test]
    fn tables_end_lines_with_crlf() {
        let mut t = Table::new(&["a", "b"]);
        t.row(vec!["1".into(), "x,y".into()]);
        assert_eq!(t.0, "a,b\r\n1,\"x,y\"\r\n");
    }

    #[test]
    fn photo_entries_use_the_hash_name() {
        assert_eq!(photo_entry("ab/abcdef.jpg"), "photos/abcdef.jpg");
    }
}
