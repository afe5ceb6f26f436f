//! Renders a [`Report`] as terminal text or as a self-contained HTML page a client can read and
//! print. Both read only the report, so what they show is exactly what the JSON holds.

use std::fmt::Write as _;

use crate::report::{EvidenceView, MetricView, Report};
use crate::simulate::Simulation;

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 0.005 { format!("{v:.0}") } else { format!("{v:.1}") }
}

fn metric_value(m: &MetricView) -> String {
    match m.value {
        Some(v) => {
            let unit = if m.unit == "°" { "°".to_string() } else { format!(" {}", m.unit) };
            let detail = m.detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default();
            format!("{}{unit}{detail}", num(v))
        }
        None => format!("not measurable: {}", m.not_measurable.as_deref().unwrap_or("")),
    }
}

fn finding_text(f: Option<&str>) -> &'static str {
    match f {
        Some("below_cutoff") => "below the cut-off",
        Some("above_cutoff") => "above the cut-off",
        Some("within") => "within the cut-off",
        _ => "",
    }
}

/// The report as text for a terminal (plain, 100 columns or less, no colour codes).
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "TONUS ASSESSMENT — {} — {}", r.client.name, r.assessed_on);
    let age = r.client.age.map(|a| format!(", {a} years")).unwrap_or_default();
    let _ = writeln!(w, "sex: {}{age} · engine {} · report format {}", r.client.sex, r.engine_version, r.format_version);
    let _ = writeln!(w);
    let _ = writeln!(w, "RED-FLAG SCREEN: {}", r.red_flags.status.to_uppercase());
    let _ = writeln!(w, "  {}", r.red_flags.message);
    for f in &r.red_flags.positive {
        let _ = writeln!(w, "  ! {} [{}; {}]", f.question, f.category, f.action.replace('_', " "));
    }
    if !r.red_flags.missing.is_empty() {
        let _ = writeln!(w, "  unanswered: {}", r.red_flags.missing.join(", "));
    }

    for p in &r.photos {
        let _ = writeln!(w);
        let detected = if p.view_detected { " (detected)" } else { "" };
        let model = p.model.as_ref().map(|m| format!(", {m} {}", p.model_version.as_deref().unwrap_or(""))).unwrap_or_default();
        let _ = writeln!(w, "PHOTO {} — {}{detected} view, {}, {} landmarks{model}", p.file, p.view, p.posture, p.landmark_source);
        for warn in &p.warnings {
            let _ = writeln!(w, "  ! {warn}");
        }
        for m in &p.metrics {
            if m.value.is_none() && m.not_measurable.as_deref().is_some_and(|r| r.starts_with("needs a")) {
                continue;
            }
            let proxy = if m.kind == "proxy" { " [proxy]" } else { "" };
            let f = finding_text(m.finding.as_deref());
            let f = if f.is_empty() { String::new() } else { format!(" — {f}") };
            let _ = writeln!(w, "  {}{proxy}: {}{f}", m.name, metric_value(m));
            if m.value.is_some() {
                let rc = m.real_change.map(|c| format!("; real change ≥ {}", num(c))).unwrap_or_default();
                let _ = writeln!(w, "      norm: {}{rc} ({})", m.norm.trim_end_matches('.'), m.certainty);
            }
        }
    }

    if !r.tests.is_empty() {
        let _ = writeln!(w);
        let _ = writeln!(w, "CLINICAL TESTS");
        for t in &r.tests {
            let f = finding_text(t.finding.as_deref());
            let f = if f.is_empty() { String::new() } else { format!(" — {f}") };
            let rc = t.real_change.map(|c| format!("; real change ≥ {}", num(c))).unwrap_or_default();
            let _ = writeln!(w, "  {}: {}{f}{rc} ({})", t.name, t.shown, t.certainty);
        }
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "MUSCLES");
    for m in &r.muscles {
        let conf = if m.state == "unknown" { String::new() } else { format!(" ({} confidence)", pct(m.confidence)) };
        let note = m.note.as_ref().map(|n| format!(" — {n}")).unwrap_or_default();
        let _ = writeln!(w, "  {:<28} {}{conf}{note}", m.name, m.state);
        for e in &m.evidence {
            write_evidence(w, e);
        }
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "POSTURE COMPONENTS (recorded separately)");
    for c in &r.components {
        let conf = if c.status == "unknown" { String::new() } else { format!(" ({})", pct(c.confidence)) };
        let _ = writeln!(w, "  {:<32} {}{conf}", c.name, c.status);
    }
    let _ = writeln!(w);
    let p = &r.pattern;
    let _ = writeln!(
        w,
        "PATTERN: {} — {} (confidence {}, pattern certainty: {})",
        p.name,
        if p.applies { "applies" } else { "does not apply" },
        pct(p.confidence),
        p.certainty
    );
    let _ = writeln!(w, "  {}", p.note);

    if !r.pain.is_empty() {
        let _ = writeln!(w);
        let _ = writeln!(w, "WHY IT HURTS (the model's explanation, not a diagnosis)");
        for p in &r.pain {
            let _ = writeln!(w, "  {} — {}", p.region_name, p.reported);
            if let Some(n) = &p.headache_note {
                let _ = writeln!(w, "    {n}");
            }
            for c in &p.causes {
                let _ = writeln!(w, "    • {}: {} — {} [{}]", c.muscle_name, c.mechanism, c.support.replace('_', " "), c.certainty);
            }
            for o in &p.other_causes {
                let _ = writeln!(w, "    ◦ also consider: {} — {}", o.cause, o.note);
            }
        }
    }

    let _ = writeln!(w);
    let _ = writeln!(w, "OUTCOME MEASURES");
    if let Some(n) = &r.outcomes.ndi {
        let pr = if n.prorated { format!(", prorated from {} items", n.answered) } else { String::new() };
        let _ = writeln!(w, "  NDI {}/50 ({}%), {}{pr}; real change ≥ {} points", num(n.score), num(n.percent), n.band, num(n.real_change));
    }
    if let Some(n) = &r.outcomes.nprs {
        let f = |v: Option<f64>| v.map_or_else(|| "–".to_string(), num);
        let _ = writeln!(
            w,
            "  NPRS now {}, worst 24 h {}, week average {}; real change ≥ {} points",
            f(n.now),
            f(n.worst_24h),
            f(n.average_week),
            num(n.real_change)
        );
    }
    if let Some(p) = &r.outcomes.psfs {
        let _ = writeln!(
            w,
            "  PSFS mean {}/10 (version {}, {} activities); real change ≥ {}",
            num(p.mean),
            p.version,
            p.items,
            num(p.real_change)
        );
    }

    let _ = writeln!(w);
    match &r.plan {
        None => {
            let _ = writeln!(w, "PLAN: none — {}", r.red_flags.message);
        }
        Some(plan) => {
            let _ = writeln!(w, "PLAN");
            if let Some(m) = &plan.massage {
                let _ = writeln!(
                    w,
                    "  Massage: {} min, {}×/week for {} weeks [{}]",
                    num(m.session_min),
                    num(m.sessions_per_week),
                    m.weeks,
                    m.certainty
                );
                for (i, t) in m.targets.iter().enumerate() {
                    let _ = writeln!(w, "    {}. {}: {}", i + 1, t.muscle_name, t.techniques.join(", "));
                }
            }
            for ph in &plan.phases {
                let _ = writeln!(w, "  Weeks {}–{}: {} ({} to {})", ph.first_week, ph.last_week, ph.name, ph.starts, ph.ends);
                for e in &ph.exercises {
                    let _ = writeln!(w, "    - {} ({}): {}", e.name, e.purpose, e.dosage);
                    let _ = writeln!(w, "      {}", e.reason);
                }
                let _ = writeln!(w, "    move on: {}", ph.progression);
            }
            if !plan.exposure_changes.is_empty() {
                let _ = writeln!(w, "  Changes to how you sit and work:");
                for c in &plan.exposure_changes {
                    let _ = writeln!(w, "    - {} [{}]", c.advice, c.certainty);
                }
            }
            let _ = writeln!(w, "  Review: outcome measures on {}, photos on {}", plan.review_outcomes_on, plan.review_photos_on);
        }
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "REFERENCES");
    for rf in &r.references {
        let _ = writeln!(w, "  [{}] {}", rf.id, rf.citation);
    }
    s
}

fn write_evidence(w: &mut String, e: &EvidenceView) {
    let _ = writeln!(
        w,
        "      ← {} → {} (weight {}, {}) [{}]",
        e.observed.join("; "),
        e.points_to,
        num(e.weight * 10.0) + "/10",
        e.certainty,
        e.sources.join(", ")
    );
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The stylesheet of the HTML report (screen and print).
pub const REPORT_CSS: &str = r#"
.tonus-report{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;max-width:60rem;margin:0 auto;padding:1rem}
.tonus-report h1{font-size:1.6rem;margin:.2rem 0}.tonus-report h2{font-size:1.2rem;margin:1.6rem 0 .4rem;border-bottom:2px solid #d8dee8;padding-bottom:.2rem}
.tonus-report h3{font-size:1rem;margin:1rem 0 .3rem}.tonus-report .meta{color:#56606e;font-size:.9rem}
.tonus-report table{border-collapse:collapse;width:100%;margin:.3rem 0}.tonus-report th,.tonus-report td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #e4e8ee}
.tonus-report th{font-size:.85rem;color:#56606e;font-weight:600}
.tonus-report .flag{border:2px solid #b3261e;background:#fdecea;padding:.6rem .9rem;border-radius:6px}
.tonus-report .clear{border:1px solid #2e7d32;background:#edf7ee;padding:.5rem .9rem;border-radius:6px}
.tonus-report .state{font-weight:600;padding:0 .4rem;border-radius:4px;white-space:nowrap}
.tonus-report .overactive{background:#fde2c8;color:#7a3300}.tonus-report .inhibited{background:#d6e4ff;color:#123a8a}
.tonus-report .balanced{background:#dff3e1;color:#1b5e20}.tonus-report .unknown{background:#eceff3;color:#4a5360}
.tonus-report .tag{font-size:.75rem;color:#56606e;border:1px solid #c9d0da;border-radius:3px;padding:0 .25rem;margin-left:.25rem;white-space:nowrap}
.tonus-report details{margin:.2rem 0}.tonus-report summary{cursor:pointer}
.tonus-report .ev{font-size:.85rem;color:#39424e;margin:.15rem 0 .15rem 1rem}
.tonus-report ol.steps{margin:.3rem 0 .6rem 1.2rem}.tonus-report .ex{border:1px solid #e4e8ee;border-radius:6px;padding:.5rem .8rem;margin:.5rem 0;break-inside:avoid}
.tonus-report .refs{font-size:.8rem;color:#39424e}
.tonus-report figure{margin:.5rem 0}.tonus-report svg{max-width:100%;height:auto}.tonus-report .body-map{max-width:36rem}
@media print{.tonus-report{max-width:none;padding:0;font-size:11pt}.tonus-report details{display:block}.tonus-report details>summary{list-style:none}
.tonus-report h2{break-after:avoid}.tonus-report .ex,.tonus-report tr{break-inside:avoid}}
@page{size:A4;margin:15mm}
"#;

/// The report as an HTML fragment (a `<div class="tonus-report">`), for embedding in a page
/// that includes [`REPORT_CSS`]; with the what-if chart when a simulation is given.
pub fn render_html_fragment(r: &Report) -> String {
    render_html_fragment_with(r, None)
}

/// [`render_html_fragment`] with an optional what-if simulation.
pub fn render_html_fragment_with(r: &Report, sim: Option<&Simulation>) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, r#"<div class="tonus-report">"#);
    let _ = writeln!(w, "<h1>Posture and muscle balance assessment</h1>");
    let age = r.client.age.map(|a| format!(", {a} years")).unwrap_or_default();
    let _ = writeln!(
        w,
        r#"<p class="meta">{} · {}{} · assessed {} · Tonus engine {}</p>"#,
        esc(&r.client.name),
        esc(&r.client.sex),
        age,
        esc(&r.assessed_on),
        esc(&r.engine_version)
    );

    let _ = writeln!(w, "<h2>Safety screen</h2>");
    if r.red_flags.status == "clear" {
        let _ = writeln!(w, r#"<p class="clear">{}</p>"#, esc(&r.red_flags.message));
    } else {
        let _ = writeln!(w, r#"<div class="flag"><p><strong>{}</strong></p>"#, esc(&r.red_flags.message));
        if !r.red_flags.positive.is_empty() {
            let _ = writeln!(w, "<ul>");
            for f in &r.red_flags.positive {
                let _ = writeln!(w, "<li>{} <span class=\"tag\">{}</span><br>{}</li>", esc(&f.question), esc(&f.category), esc(&f.advice));
            }
            let _ = writeln!(w, "</ul>");
        }
        if !r.red_flags.missing.is_empty() {
            let _ = writeln!(w, "<p>Unanswered: {}</p>", esc(&r.red_flags.missing.join(", ")));
        }
        let _ = writeln!(w, "</div>");
    }

    for p in &r.photos {
        let _ = writeln!(w, "<h2>Posture: {}</h2>", esc(&p.file));
        let model =
            p.model.as_ref().map(|m| format!(" · {} {}", esc(m), esc(p.model_version.as_deref().unwrap_or("")))).unwrap_or_default();
        let _ = writeln!(
            w,
            r#"<p class="meta">{} view{} · {} · {} landmarks{model} · {}×{} px</p>"#,
            esc(&p.view),
            if p.view_detected { " (detected)" } else { "" },
            esc(&p.posture),
            esc(&p.landmark_source),
            p.width,
            p.height
        );
        for warn in &p.warnings {
            let _ = writeln!(w, r#"<p class="flag">{}</p>"#, esc(warn));
        }
        let _ = writeln!(w, "<table><tr><th>Measure</th><th>Value</th><th>Norm and real change</th></tr>");
        for m in &p.metrics {
            if m.value.is_none() && m.not_measurable.as_deref().is_some_and(|r| r.starts_with("needs a")) {
                continue;
            }
            let proxy = if m.kind == "proxy" {
                format!(r#"<span class="tag">proxy for {}</span>"#, esc(m.proxy_for.as_deref().unwrap_or("")))
            } else {
                String::new()
            };
            let f = finding_text(m.finding.as_deref());
            let rc = m.real_change.map(|c| format!("; a change under {} is noise", num(c))).unwrap_or_default();
            let _ = writeln!(
                w,
                "<tr><td>{}{proxy}</td><td>{}<br><small>{}</small></td><td>{}{}<span class=\"tag\">{}</span></td></tr>",
                esc(&m.name),
                esc(&metric_value(m)),
                esc(f),
                esc(&m.norm),
                esc(&rc),
                esc(&m.certainty)
            );
        }
        let _ = writeln!(w, "</table>");
    }

    let _ = writeln!(
        w,
        "<h2>Muscles</h2><p class=\"meta\">Hover over or tap a muscle on the map, or open it in the list, to see the evidence behind its state.</p>"
    );
    let _ = writeln!(w, "<figure class=\"body-map-figure\">{}</figure>", crate::svg::body_map(r, "bm"));
    for m in &r.muscles {
        let conf = if m.state == "unknown" { String::new() } else { format!(" · confidence {}", pct(m.confidence)) };
        let note = m.note.as_ref().map(|n| format!(" — {}", esc(n))).unwrap_or_default();
        let _ = writeln!(
            w,
            r#"<details><summary>{} <span class="state {}">{}</span>{conf}{note}</summary>"#,
            esc(&m.name),
            esc(&m.state),
            esc(&m.state)
        );
        for e in &m.evidence {
            let _ = writeln!(
                w,
                r#"<p class="ev">{} → <b>{}</b>: {} <span class="tag">{}</span> <span class="tag">weight {}</span> <span class="tag">{}</span></p>"#,
                esc(&e.observed.join("; ")),
                esc(&e.points_to),
                esc(&e.description),
                esc(&e.certainty),
                num(e.weight),
                esc(&e.sources.join(", "))
            );
        }
        let _ = writeln!(w, "</details>");
    }
    let _ = writeln!(w, "<h3>Posture components</h3><table><tr><th>Component</th><th>Status</th></tr>");
    for c in &r.components {
        let conf = if c.status == "unknown" { String::new() } else { format!(" ({})", pct(c.confidence)) };
        let _ = writeln!(w, "<tr><td>{}</td><td>{}{conf}</td></tr>", esc(&c.name), esc(&c.status));
    }
    let _ = writeln!(w, "</table>");
    let p = &r.pattern;
    let _ = writeln!(
        w,
        "<p><b>{}</b>: {} (confidence {}). <span class=\"tag\">{}</span> {}</p>",
        esc(&p.name),
        if p.applies { "applies" } else { "does not apply" },
        pct(p.confidence),
        esc(&p.certainty),
        esc(&p.note)
    );

    if !r.pain.is_empty() {
        let _ = writeln!(w, "<h2>Why it hurts</h2><p class=\"meta\">The model's explanation, not a diagnosis.</p>");
        for pv in &r.pain {
            let _ = writeln!(w, "<h3>{} — {}</h3>", esc(&pv.region_name), esc(&pv.reported));
            if let Some(n) = &pv.headache_note {
                let _ = writeln!(w, "<p>{}</p>", esc(n));
            }
            let _ = writeln!(w, "<ul>");
            for c in &pv.causes {
                let _ = writeln!(
                    w,
                    "<li><b>{}</b>: {} — {} <span class=\"tag\">{}</span><br><small>{}</small></li>",
                    esc(&c.muscle_name),
                    esc(&c.mechanism),
                    esc(&c.support.replace('_', " ")),
                    esc(&c.certainty),
                    esc(&c.explanation)
                );
            }
            for o in &pv.other_causes {
                let _ = writeln!(w, "<li>Also consider: <b>{}</b> — {}</li>", esc(&o.cause), esc(&o.note));
            }
            let _ = writeln!(w, "</ul>");
        }
    }

    if let Some(sim) = sim {
        let _ = writeln!(w, "<h2>What if</h2><figure>{}</figure>", crate::svg::trajectory_chart(sim));
        let _ = writeln!(w, "<p class=\"meta\">{}</p>", esc(&sim.note));
    }
    let _ = writeln!(w, "<h2>Outcome measures</h2><ul>");
    if let Some(n) = &r.outcomes.ndi {
        let pr = if n.prorated { format!(", prorated from {} items", n.answered) } else { String::new() };
        let _ = writeln!(
            w,
            "<li>Neck Disability Index: {}/50 ({}%), {}{pr}. A change under {} points is noise.</li>",
            num(n.score),
            num(n.percent),
            esc(&n.band),
            num(n.real_change)
        );
    }
    if let Some(n) = &r.outcomes.nprs {
        let f = |v: Option<f64>| v.map_or_else(|| "–".to_string(), num);
        let _ =
            writeln!(w, "<li>Pain (0–10): now {}, worst in 24 h {}, week average {}.</li>", f(n.now), f(n.worst_24h), f(n.average_week));
    }
    if let Some(ps) = &r.outcomes.psfs {
        let _ = writeln!(w, "<li>Patient-Specific Functional Scale: {}/10 (version {}).</li>", num(ps.mean), esc(&ps.version));
    }
    let _ = writeln!(w, "</ul>");

    match &r.plan {
        None => {
            let _ = writeln!(w, "<h2>Plan</h2><p class=\"flag\">No plan: {}</p>", esc(&r.red_flags.message));
        }
        Some(plan) => {
            let _ = writeln!(w, "<h2>Your plan</h2>");
            if let Some(m) = &plan.massage {
                let _ = writeln!(
                    w,
                    "<h3>Massage: {}-minute sessions, {} a week for {} weeks</h3><ol>",
                    num(m.session_min),
                    num(m.sessions_per_week),
                    m.weeks
                );
                for t in &m.targets {
                    let _ = writeln!(w, "<li><b>{}</b>: {}</li>", esc(&t.muscle_name), esc(&t.techniques.join(", ")));
                }
                let _ = writeln!(w, "</ol><p class=\"meta\">{} <span class=\"tag\">{}</span></p>", esc(&m.rationale), esc(&m.certainty));
            }
            for ph in &plan.phases {
                let _ = writeln!(
                    w,
                    "<h3>Weeks {}–{}: {}</h3><p class=\"meta\">{} to {}. Move on: {}</p>",
                    ph.first_week,
                    ph.last_week,
                    esc(&ph.name),
                    esc(&ph.starts),
                    esc(&ph.ends),
                    esc(&ph.progression)
                );
                for e in &ph.exercises {
                    let _ = writeln!(
                        w,
                        r#"<div class="ex"><b>{}</b> <span class="tag">{}</span><br>{}"#,
                        esc(&e.name),
                        esc(&e.purpose),
                        esc(&e.dosage)
                    );
                    let _ = writeln!(w, "<ol class=\"steps\">");
                    for step in &e.instructions {
                        let _ = writeln!(w, "<li>{}</li>", esc(step));
                    }
                    let _ = writeln!(w, "</ol>");
                    for c in &e.cautions {
                        let _ = writeln!(w, "<p><small>⚠ {}</small></p>", esc(c));
                    }
                    let _ = writeln!(w, "<p class=\"meta\">Why: {}. Progress: {}</p></div>", esc(&e.reason), esc(&e.progression));
                }
            }
            if !plan.exposure_changes.is_empty() {
                let _ = writeln!(w, "<h3>Changes to how you sit and work</h3><ul>");
                for c in &plan.exposure_changes {
                    let _ = writeln!(w, "<li>{} <span class=\"tag\">{}</span></li>", esc(&c.advice), esc(&c.certainty));
                }
                let _ = writeln!(w, "</ul>");
            }
            let _ = writeln!(
                w,
                "<p><b>Review:</b> questionnaires on {}, photos on {}.</p>",
                esc(&plan.review_outcomes_on),
                esc(&plan.review_photos_on)
            );
        }
    }
    let _ = writeln!(w, "<h2>References</h2><ol class=\"refs\">");
    for rf in &r.references {
        let _ = writeln!(w, "<li id=\"ref-{}\">{}</li>", esc(&rf.id), esc(&rf.citation));
    }
    let _ = writeln!(w, "</ol></div>");
    s
}

/// The report as a complete, self-contained HTML page (no external resources).
pub fn render_html(r: &Report) -> String {
    render_html_with(r, None)
}

/// [`render_html`] with the what-if chart of a simulation.
pub fn render_html_with(r: &Report, sim: Option<&Simulation>) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Tonus assessment — {} — {}</title>\n<style>{}</style></head>\n<body>\n{}</body></html>\n",
        esc(&r.client.name),
        esc(&r.assessed_on),
        REPORT_CSS,
        render_html_fragment_with(r, sim)
    )
}
