//! A client's whole record as files: the JSON export, one CSV per table-like record, and a
//! ZIP archive holding both with the photo files.
//!
//! The JSON (`client.json`) is the complete, lossless record as the store exports it. The CSVs
//! are for spreadsheets and carry the parts a person reads in rows: the client, assessments,
//! photos, landmark sets, measurements (photo metrics, clinical tests and outcome measures),
//! muscle states, plan items, notes and the audit log. They are RFC 4180: comma separated,
//! CRLF line ends, fields quoted when they hold a comma, quote or line break. A text field
//! that a spreadsheet would run as a formula (it starts with `=`, `+`, `@` or a `-` that does
//! not begin a number) gets a leading `'`.
//!
//! Clinical documents are read as JSON values here (this module does not name `tonus_app`),
//! so a field the engine does not write simply comes out empty. Left out on purpose: access
//! control and audit lines (the callers in `clients.rs` and `records.rs` do both) and share
//! link token hashes (the store never exports them).

use std::io::Write as _;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tonus_store::{ClientExport, ClientId, Store, Timestamp};

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::state::AppState;

/// `GET /clients/{id}/export.zip`: the record as a ZIP archive, for the staff who may view the
/// client (the same rule as the client page); the download is audited.
pub(crate) async fn download_zip(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Response, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    crate::audit::record(&state, Some(me.user.id), "export", "client", &client.id.to_string(), "zip").await?;
    let export = state.store.export_client(client.id).await?;
    let bytes = archive(state.store.as_ref(), &export).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}.zip\"", file_stem(client.id))) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The record's file name stem, such as `tonus-client-0190…`.
pub(crate) fn file_stem(id: ClientId) -> String {
    format!("tonus-client-{id}")
}

/// The whole record as pretty JSON.
pub(crate) fn json_bytes(export: &ClientExport) -> Result<Vec<u8>, WebError> {
    let mut bytes = serde_json::to_vec_pretty(export).map_err(|e| WebError::Engine(format!("cannot serialise the client export: {e}")))?;
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
        CsvFile { name: "audit.csv", text: audit_csv(export) },
    ]
}

/// Where a photo goes inside the archive: named by its content hash, like on disk.
pub(crate) fn photo_entry(rel_path: &str) -> String {
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
pub(crate) async fn archive(store: &dyn Store, export: &ClientExport) -> Result<Vec<u8>, WebError> {
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
        .map_err(|e| WebError::Engine(format!("building the zip archive stopped: {e}")))?
}

fn write_zip(json: &[u8], csvs: &[CsvFile], photos: &[(String, Vec<u8>)]) -> Result<Vec<u8>, WebError> {
    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;
    let zip_err = |what: &str, e: &dyn std::fmt::Display| WebError::Engine(format!("cannot write {what} into the zip archive: {e}"));
    let text = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).unix_permissions(0o644);
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut add = |name: &str, options: SimpleFileOptions, bytes: &[u8]| -> Result<(), WebError> {
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
    ts.map(crate::format::iso8601).unwrap_or_default()
}

/// Quotes one CSV field per RFC 4180, defusing spreadsheet formulas in text.
pub(crate) fn field(text: &str) -> String {
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

/// A JSON value as a CSV cell: strings bare, numbers as written, lists joined by `; `.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().map(|v| cell(Some(v))).collect::<Vec<_>>().join("; "),
        Some(other) => other.to_string(),
    }
}

fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.get(key)
}

fn items<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
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
    for a in &e.assessments {
        let report = e.reports.iter().rfind(|r| r.assessment == a.id);
        let body = report.map(|r| &r.report);
        let pattern = body.and_then(|b| get(b, "pattern"));
        t.row(vec![
            a.id.to_string(),
            a.status.to_string(),
            a.created_by.to_string(),
            iso(Some(a.created_at)),
            iso(a.completed_at),
            report.map(|r| r.engine_version.clone()).unwrap_or_default(),
            cell(body.and_then(|b| get(b, "red_flags")).and_then(|r| get(r, "status"))),
            cell(pattern.and_then(|p| get(p, "name"))),
            cell(pattern.and_then(|p| get(p, "applies"))),
            cell(pattern.and_then(|p| get(p, "confidence"))),
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
            p.view.clone(),
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
        "created_at",
    ]);
    for l in &e.landmark_sets {
        t.row(vec![
            l.id.to_string(),
            l.assessment.to_string(),
            l.photo.map(|p| p.to_string()).unwrap_or_default(),
            l.view.clone(),
            l.source.to_string(),
            l.model.clone(),
            l.model_version.clone(),
            l.moved_points.join("; "),
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
    for r in &e.reports {
        let (a, id) = (r.assessment.to_string(), r.id.to_string());
        for photo in items(&r.report, "photos") {
            for m in items(photo, "metrics") {
                t.row(vec![
                    a.clone(),
                    id.clone(),
                    "photo metric".into(),
                    cell(get(photo, "file")),
                    cell(get(photo, "view")),
                    cell(get(m, "id")),
                    cell(get(m, "name")),
                    cell(get(m, "value")),
                    cell(get(m, "unit")),
                    cell(get(m, "finding")),
                    cell(get(m, "not_measurable")),
                    cell(get(m, "norm")),
                    cell(get(m, "real_change")),
                    cell(get(m, "certainty")),
                ]);
            }
        }
        for test in items(&r.report, "tests") {
            t.row(vec![
                a.clone(),
                id.clone(),
                "clinical test".into(),
                String::new(),
                String::new(),
                cell(get(test, "id")),
                cell(get(test, "name")),
                cell(get(test, "value")),
                String::new(),
                cell(get(test, "finding")),
                String::new(),
                cell(get(test, "norm")),
                cell(get(test, "real_change")),
                cell(get(test, "certainty")),
            ]);
        }
        let outcomes = get(&r.report, "outcomes");
        let outcome = |key: &str, field: &str| outcomes.and_then(|o| get(o, key)).and_then(|o| get(o, field));
        let mut measure = |measure: &str, name: &str, value: Option<&Value>, unit: &str, real: Option<&Value>, finding: Option<&Value>| {
            if value.is_some_and(|v| !v.is_null()) {
                t.row(vec![
                    a.clone(),
                    id.clone(),
                    "outcome measure".into(),
                    String::new(),
                    String::new(),
                    measure.into(),
                    name.into(),
                    cell(value),
                    unit.into(),
                    cell(finding),
                    String::new(),
                    String::new(),
                    cell(real),
                    String::new(),
                ]);
            }
        };
        measure("ndi", "Neck Disability Index", outcome("ndi", "percent"), "%", outcome("ndi", "real_change"), outcome("ndi", "band"));
        measure("nprs_now", "Pain now (NPRS)", outcome("nprs", "now"), "0-10", outcome("nprs", "real_change"), None);
        measure("nprs_week", "Pain, week average (NPRS)", outcome("nprs", "average_week"), "0-10", outcome("nprs", "real_change"), None);
        measure("psfs", "Patient-Specific Functional Scale", outcome("psfs", "mean"), "0-10", outcome("psfs", "real_change"), None);
    }
    t.0
}

fn muscles_csv(e: &ClientExport) -> String {
    let mut t = Table::new(&["assessment_id", "report_id", "muscle_id", "name", "state", "confidence", "typical_state", "evidence_rules"]);
    for r in &e.reports {
        for m in items(&r.report, "muscles") {
            let rules: Vec<String> = items(m, "evidence").iter().map(|ev| cell(get(ev, "rule"))).collect();
            t.row(vec![
                r.assessment.to_string(),
                r.id.to_string(),
                cell(get(m, "id")),
                cell(get(m, "name")),
                cell(get(m, "state")),
                cell(get(m, "confidence")),
                cell(get(m, "typical_state")),
                rules.join("; "),
            ]);
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
        let mut versions = vec![("engine", &p.engine_plan, p.edited_plan.is_none())];
        if let Some(edited) = &p.edited_plan {
            versions.push(("therapist", edited, true));
        }
        for (version, plan, current) in versions {
            let mut row = |section: &str, phase: String, item_id: String, item: String, detail: String| {
                t.row(vec![
                    p.assessment.to_string(),
                    p.id.to_string(),
                    version.into(),
                    current.to_string(),
                    if version == "therapist" { p.edited_by.map(|u| u.to_string()).unwrap_or_default() } else { String::new() },
                    if version == "therapist" { iso(p.edited_at) } else { String::new() },
                    section.into(),
                    phase,
                    item_id,
                    item,
                    detail,
                ]);
            };
            if let Some(massage) = get(plan, "massage").filter(|m| !m.is_null()) {
                for target in items(massage, "targets") {
                    let detail = format!(
                        "{}; {} min, {} a week for {} weeks",
                        cell(get(target, "techniques")),
                        cell(get(massage, "session_min")),
                        cell(get(massage, "sessions_per_week")),
                        cell(get(massage, "weeks")),
                    );
                    row("massage", String::new(), cell(get(target, "muscle")), cell(get(target, "muscle_name")), detail);
                }
            }
            for phase in items(plan, "phases") {
                let phase_name = cell(get(phase, "name"));
                for ex in items(phase, "exercises") {
                    row("exercise", phase_name.clone(), cell(get(ex, "id")), cell(get(ex, "name")), cell(get(ex, "dosage")));
                }
            }
            for change in items(plan, "exposure_changes") {
                row("exposure change", String::new(), cell(get(change, "id")), cell(get(change, "advice")), String::new());
            }
            for (key, what) in [("review_outcomes_on", "review outcome measures"), ("review_photos_on", "review photos")] {
                if let Some(date) = get(plan, key).filter(|v| !v.is_null()) {
                    row("review", String::new(), key.into(), what.into(), cell(Some(date)));
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

fn audit_csv(e: &ClientExport) -> String {
    audit_table(&e.audit_log)
}

/// Audit lines as a CSV table (the client export's `audit.csv`, and the archive written before
/// old lines are pruned).
pub(crate) fn audit_table(lines: &[tonus_store::AuditEntry]) -> String {
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
