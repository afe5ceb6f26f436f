//! Router tests: every route, through `tonus_web::router` with `oneshot`, on a real SQLite
//! store and the real engine with the example personas.
//!
//! The authorisation matrix lives in `authorisation.rs`; durability in `crash.rs`.

mod support;

use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use support::{PASSWORD, TestApp, plan_pairs, refs};

#[tokio::test]
async fn health_assets_and_start_page() {
    let app = TestApp::new().await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json(), json!({"status": "ok", "database": "sqlite"}));
    let css = app.get("/assets/tonus.css", None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type.starts_with("text/css"));
    assert!(css.text().contains("@media print"));
    let htmx = app.get("/assets/htmx.min.js", None).await;
    assert_eq!(htmx.status, StatusCode::OK);
    assert!(htmx.text().contains("htmx"));
    assert_eq!(app.get("/assets/htmx.LICENSE", None).await.status, StatusCode::OK);
    assert!(app.get("/assets/tonus.js", None).await.text().contains("data-print"));
    assert_eq!(app.get("/assets/../Cargo.toml", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/assets/secret.txt", None).await.status, StatusCode::NOT_FOUND);
    let home = app.get("/", None).await;
    assert_eq!((home.status, home.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login")));
    let login = app.get("/login", None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.text().contains("Log in"));
}

#[tokio::test]
async fn the_browser_module_is_served_with_its_type_and_revalidated_by_etag() {
    let app = TestApp::new().await;
    let wasm = app.get("/wasm/tonus_pose.wasm", None).await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(wasm.content_type, "application/wasm");
    assert_eq!(&wasm.body[..4], b"\0asm");
    assert_eq!(wasm.headers[header::CACHE_CONTROL], "no-cache");
    let etag = wasm.headers[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(etag.len(), 66, "the manifest's SHA-256, quoted: {etag}");
    let again = app
        .send(
            axum::http::Request::get("/wasm/tonus_pose.wasm").header(header::IF_NONE_MATCH, &etag).body(axum::body::Body::empty()).unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let script = app.get("/wasm/pose.mjs", None).await;
    assert_eq!((script.status, script.content_type.as_str()), (StatusCode::OK, "text/javascript; charset=utf-8"));
    for other in ["/wasm/manifest.json", "/wasm/../Cargo.toml", "/wasm/tonus_wasm.wasm"] {
        assert_eq!(app.get(other, None).await.status, StatusCode::NOT_FOUND, "{other}");
    }
    // Pages may compile WebAssembly, and still send nothing to another site.
    let csp = app.get("/login", None).await.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("connect-src"), "connect-src falls back to 'self': {csp}");

    let unbuilt = TestApp::with_settings(tonus_web::Settings { wasm_dir: None, ..support::settings() }).await;
    let missing = unbuilt.get("/wasm/pose.mjs", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("cargo xtask wasm"), "{}", missing.text());
}

#[tokio::test]
async fn first_run_setup_works_once_and_has_no_default_password() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/setup/not-a-token", None).await.status, StatusCode::NOT_FOUND);
    let url = tonus_web::print_setup_link(app.store.as_ref(), "http://clinic:8080").await.unwrap().unwrap();
    let path = url.trim_start_matches("http://clinic:8080").to_owned();
    assert!(path.starts_with("/setup/"));
    let form = app.get(&path, None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("Create the first account"));
    let mismatch = app
        .post(&path, None, &[("login", "ada"), ("display_name", "Ada"), ("password", PASSWORD), ("confirm", "different password")])
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.text().contains("the two entries differ"));
    let short = app.post(&path, None, &[("login", "ada"), ("display_name", "Ada"), ("password", "short"), ("confirm", "short")]).await;
    assert!(short.text().contains("at least 12 characters"));
    let done = app.post(&path, None, &[("login", "Ada"), ("display_name", "Ada"), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!((done.status, done.location.as_deref()), (StatusCode::SEE_OTHER, Some("/clients")));
    let cookie = done.set_cookie.unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    // The link is spent and no second link is issued once an account exists.
    assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);
    assert!(tonus_web::print_setup_link(app.store.as_ref(), "http://x").await.unwrap().is_none());
    // The login name was normalised.
    app.login("ada").await;
}

#[tokio::test]
async fn login_logout_and_rate_limit() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let page = app.get("/clients", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    let wrong = app.post("/login", None, &[("login", "admin"), ("password", "wrong password!")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("unknown login or wrong password"));
    let ok = app.post("/login", None, &[("login", "admin"), ("password", PASSWORD), ("next", "/admin/users")]).await;
    assert_eq!((ok.status, ok.location.as_deref()), (StatusCode::SEE_OTHER, Some("/admin/users")));
    let offsite = app.post("/login", None, &[("login", "admin"), ("password", PASSWORD), ("next", "//evil.example")]).await;
    assert_eq!(offsite.location.as_deref(), Some("/"));
    // Logging out needs the CSRF token and ends the session.
    assert_eq!(app.post("/logout", Some(&admin), &[("csrf", "forged")]).await.status, StatusCode::FORBIDDEN);
    let out = app.post("/logout", Some(&admin), &[]).await;
    assert_eq!((out.status, out.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login")));
    let after = app.get("/clients", Some(&admin)).await;
    assert_eq!((after.status, after.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login")));
    // Five failures lock the login name, even for the right password.
    for _ in 0..5 {
        app.post("/login", None, &[("login", "admin"), ("password", "wrong password!")]).await;
    }
    let locked = app.post("/login", None, &[("login", "admin"), ("password", PASSWORD)]).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    let audit = app.store.recent_audit(100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "login_failed"));
    assert!(audit.iter().any(|e| e.action == "logout"));
}

#[tokio::test]
async fn state_changes_need_the_csrf_token_and_a_same_site_origin() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let missing = app.post("/clients", Some(&admin), &[("display_name", "X"), ("csrf", "")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let request = axum::http::Request::post("/clients")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &admin.cookie)
        .header("host", "clinic.local:8080")
        .header("origin", "http://evil.example")
        .body(axum::body::Body::from(format!("display_name=X&csrf={}", admin.csrf)))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::FORBIDDEN);
    let request = axum::http::Request::post("/clients")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &admin.cookie)
        .header("host", "clinic.local:8080")
        .header("origin", "http://clinic.local:8080")
        .body(axum::body::Body::from(format!("display_name=X&csrf={}", admin.csrf)))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::SEE_OTHER);
    for (site, want) in
        [("same-origin", StatusCode::SEE_OTHER), ("same-site", StatusCode::FORBIDDEN), ("cross-site", StatusCode::FORBIDDEN)]
    {
        let request = axum::http::Request::post("/clients")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &admin.cookie)
            .header("host", "clinic.local:8080")
            .header("origin", "null")
            .header("sec-fetch-site", site)
            .body(axum::body::Body::from(format!("display_name=X-{site}&csrf={}", admin.csrf)))
            .unwrap();
        assert_eq!(app.send(request).await.status, want, "Sec-Fetch-Site: {site}");
    }
    // The API wants the token in a header.
    let reply = app
        .api("POST", "/api/clients", Some(&support::Session { csrf: "nope".into(), ..admin.clone() }), Some(json!({"display_name": "Y"})))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Pages are not cached and not framed.
    let page = app.router.clone();
    let response =
        tower::ServiceExt::oneshot(page, axum::http::Request::get("/login").body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let headers = response.headers();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn admin_manages_accounts_and_sees_the_audit_log() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let dup = app
        .post(
            "/admin/users",
            Some(&admin),
            &[("login", "admin"), ("display_name", "x"), ("role", "practitioner"), ("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.text().contains("already taken"));
    let bad_role = app
        .post(
            "/admin/users",
            Some(&admin),
            &[("login", "eve"), ("display_name", "x"), ("role", "client"), ("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert!(bad_role.text().contains("choose admin or practitioner"));
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let users = app.get("/admin/users", Some(&admin)).await;
    assert!(users.text().contains("pat"));
    let pat_id = app.store.credentials("pat").await.unwrap().unwrap().user.id.to_string();
    // Each check below follows a request that has just read (and so cached) the session: a
    // change takes effect at once all the same.
    assert_eq!(app.get("/clients", Some(&pat)).await.status, StatusCode::OK);
    let reset = app.post(&format!("/admin/users/{pat_id}/password"), Some(&admin), &[("password", "another long password")]).await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    // A reset ends the account's sessions.
    assert_eq!(app.get("/clients", Some(&pat)).await.status, StatusCode::SEE_OTHER);
    let pat = app.post("/login", None, &[("login", "pat"), ("password", "another long password")]).await;
    assert_eq!(pat.status, StatusCode::SEE_OTHER);
    let cookie = pat.set_cookie.unwrap().split(';').next().unwrap().to_owned();
    // The password the admin typed must be changed before anything else opens.
    let clients = axum::http::Request::get("/clients").header("cookie", cookie.clone()).body(axum::body::Body::empty()).unwrap();
    assert_eq!(app.send(clients).await.location.as_deref(), Some("/account/password?required=1"));
    let as_pat = || axum::http::Request::get("/account/password").header("cookie", cookie.clone()).body(axum::body::Body::empty()).unwrap();
    assert_eq!(app.send(as_pat()).await.status, StatusCode::OK);
    assert_eq!(app.post(&format!("/admin/users/{pat_id}/disable"), Some(&admin), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.send(as_pat()).await.status, StatusCode::SEE_OTHER, "a disabled account's open session ends at once");
    let disabled = app.post("/login", None, &[("login", "pat"), ("password", "another long password")]).await;
    assert_eq!(disabled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.post(&format!("/admin/users/{pat_id}/enable"), Some(&admin), &[]).await.status, StatusCode::SEE_OTHER);
    let admin_id = app.store.credentials("admin").await.unwrap().unwrap().user.id.to_string();
    assert_eq!(app.post(&format!("/admin/users/{admin_id}/disable"), Some(&admin), &[]).await.status, StatusCode::CONFLICT);
    let audit = app.get("/admin/audit", Some(&admin)).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.text().contains("reset_password"));
}

#[tokio::test]
async fn clients_list_search_and_page() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let alice = app.client(&pat, "Alice <Archer>", false).await;
    app.client(&pat, "Bob Baker", true).await;
    let empty = app.post("/clients", Some(&pat), &[("display_name", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = app.get("/clients", Some(&pat)).await.text();
    assert!(list.contains("Alice &#60;Archer&#62;") && list.contains("Bob Baker"), "names are escaped");
    let search = app.get("/clients?q=bak", Some(&pat)).await.text();
    assert!(search.contains("Bob Baker") && !search.contains("Alice"));
    // htmx gets only the rows.
    let request = axum::http::Request::get("/clients?q=ali")
        .header("cookie", &pat.cookie)
        .header("hx-request", "true")
        .body(axum::body::Body::empty())
        .unwrap();
    let rows = app.send(request).await.text();
    assert!(rows.contains("Alice") && !rows.contains("<html"));
    let page = app.get(&format!("/clients/{alice}"), Some(&pat)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("No assessments yet"));
    let update = app.post(&format!("/clients/{alice}"), Some(&pat), &[("display_name", "Alice Archer"), ("reference", "A-1")]).await;
    assert_eq!(update.status, StatusCode::SEE_OTHER);
    let note = app.post(&format!("/clients/{alice}/notes"), Some(&pat), &[("body", "Prefers mornings.")]).await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/clients/{alice}"), Some(&pat)).await.text();
    assert!(page.contains("Reference A-1") && page.contains("Prefers mornings."));
    assert!(page.contains("view"), "the page shows its own audit trail");
    assert_eq!(app.get("/clients/not-a-uuid", Some(&pat)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn assessment_drafts_keep_input_and_completion_runs_the_engine() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let client = app.client(&pat, "Alex Morgan", false).await;
    let form = app.get(&format!("/clients/{client}/assessments/new"), Some(&pat)).await;
    assert_eq!(form.status, StatusCode::OK);
    let text = form.text();
    assert!(text.contains("Red-flag screen"), "the screen comes first");
    assert!(text.find("Red-flag screen") < text.find("Exposure: sitting"));
    assert!(text.contains("Neck Disability Index") && text.contains("Clinical tests"));

    // An invalid field is kept in the draft and named.
    let saved = app
        .post(
            &format!("/clients/{client}/assessments"),
            Some(&pat),
            &[
                ("client.name", "Alex Morgan"),
                ("assessed_on", "2026-11-24"),
                ("exposure.sitting.desk", "eight"),
                ("outcomes.nprs.now", "6"),
                ("action", "save"),
            ],
        )
        .await;
    // Post/redirect/get: the draft's own page shows what to fix.
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let edit_path = saved.location.clone().unwrap();
    assert!(edit_path.ends_with("/edit?saved=1"), "{edit_path}");
    let text = app.get(&edit_path, Some(&pat)).await.text();
    assert!(text.contains("Draft saved with"), "{text}");
    assert!(text.contains("&#34;eight&#34; is not a number"), "{text}");
    assert!(text.contains("value=\"eight\""), "what was typed is kept");
    let id = app.latest_assessment(&client).await;
    let draft = app.store.assessment(id.parse().unwrap()).await.unwrap();
    assert_eq!(draft.form["exposure.sitting.desk"], "eight");
    assert!(draft.intake.is_none());

    // Completing needs every red-flag answer and valid ranges; the draft survives the attempt.
    let incomplete = app
        .post(
            &format!("/assessments/{id}"),
            Some(&pat),
            &[("client.name", "Alex Morgan"), ("assessed_on", "2026-11-24"), ("outcomes.nprs.now", "6"), ("action", "complete")],
        )
        .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(incomplete.text().contains("answer yes or no"));
    let edit = app.get(&format!("/assessments/{id}/edit"), Some(&pat)).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.text().contains("value=\"6\""));
    let out_of_range = app
        .post(
            &format!("/assessments/{id}"),
            Some(&pat),
            &[
                ("intake_format", "toml"),
                ("intake_text", "assessed_on = \"2026-11-24\"\n[client]\nname = \"A\"\nage = 7\n[exposure.sitting]\ndesk = 30\n"),
                ("action", "save"),
            ],
        )
        .await;
    // Both problems at once, not one per submit.
    let text = out_of_range.text();
    assert!(text.contains("exposure.sitting.desk") && text.contains("client.age"), "{text}");

    // A photo is stored content-addressed; a bad upload is refused.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-test-bytes";
    let photo = app.upload(&format!("/assessments/{id}/photos"), &pat, &[("view", "side-left")], ("side.png", png)).await;
    assert_eq!(photo.status, StatusCode::SEE_OTHER);
    let html = app.upload(&format!("/assessments/{id}/photos"), &pat, &[("view", "front")], ("x.png", b"<html>")).await;
    assert_eq!(html.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The refusal names the file, on the draft's own page beside its photos, not a bare page.
    let text = html.text();
    assert!(text.contains("id=\"photos\"") && text.contains("x.png: "), "{text}");
    // Several at once: the good one is kept, the bad one named.
    let several = app
        .upload_files(
            &format!("/assessments/{id}/photos"),
            &pat,
            &[("view", "front")],
            "file",
            &[("front.png", b"\x89PNG\r\n\x1a\nfront"), ("notes.txt", b"hello")],
        )
        .await;
    assert_eq!(several.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(several.text().contains("notes.txt: ") && !several.text().contains("front.png: "), "{}", several.text());
    let both = app
        .upload_files(
            &format!("/assessments/{id}/photos"),
            &pat,
            &[("view", "front")],
            "file",
            &[("f1.png", b"\x89PNG\r\n\x1a\nf1"), ("f2.png", b"\x89PNG\r\n\x1a\nf2")],
        )
        .await;
    assert_eq!(both.status, StatusCode::SEE_OTHER, "{}", both.text());
    assert_eq!(both.location.as_deref(), Some(format!("/assessments/{id}/edit#photos").as_str()));
    for p in app.store.photos_for(id.parse().unwrap()).await.unwrap().into_iter().filter(|p| p.view != tonus_store::View::SideLeft) {
        assert_eq!(app.post(&format!("/photos/{}/delete", p.id), Some(&pat), &[]).await.status, StatusCode::SEE_OTHER);
    }
    let bad_landmarks = app.upload(&format!("/assessments/{id}/landmarks"), &pat, &[], ("l.json", b"{\"nope\": 1}")).await;
    assert_eq!(bad_landmarks.status, StatusCode::UNPROCESSABLE_ENTITY);
    let too_big = vec![0xFF; 3 * 1024 * 1024];
    let refused = app.upload(&format!("/assessments/{id}/photos"), &pat, &[("view", "front")], ("big.jpg", &too_big)).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    // The draft's page, saying so at its photos with the limit, not a bare error page.
    assert!(refused.text().contains("went over this server&#39;s limit of 2 MB for one upload"), "{}", refused.text());
    assert!(refused.text().contains("id=\"photos\""), "the draft's page");
    let photos = app.store.photos_for(id.parse().unwrap()).await.unwrap();
    assert_eq!(photos.len(), 1);
    assert!(app.dir.path().join("photos").join(&photos[0].rel_path).is_file());
    let served = app.get(&format!("/photos/{}", photos[0].id), Some(&pat)).await;
    assert_eq!((served.status, served.content_type.as_str(), served.body.as_slice()), (StatusCode::OK, "image/png", &png[..]));

    // The persona's intake and landmarks complete it through the engine.
    let persona = tonus_app::examples::personas()[0];
    let photo_id = photos[0].id.to_string();
    for (name, text) in persona.landmarks {
        let reply = app.upload(&format!("/assessments/{id}/landmarks"), &pat, &[("photo", &photo_id)], (name, text.as_bytes())).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    }
    let sets = app.store.landmark_sets_for(id.parse().unwrap()).await.unwrap();
    assert_eq!(sets[0].photo, Some(photos[0].id), "the landmark set is linked to its photo");
    assert_eq!(sets[0].source, tonus_store::LandmarkSource::Automatic);
    assert_eq!(sets[0].model, "mediapipe-pose-full");
    let done = app
        .post(
            &format!("/assessments/{id}"),
            Some(&pat),
            &[("intake_format", "toml"), ("intake_text", persona.intake), ("action", "complete")],
        )
        .await;
    assert_eq!((done.status, done.location.clone()), (StatusCode::SEE_OTHER, Some(format!("/assessments/{id}"))), "{}", done.text());
    let report = app.get(&format!("/assessments/{id}"), Some(&pat)).await;
    assert_eq!(report.status, StatusCode::OK);
    let text = report.text();
    assert!(text.contains("tonus-report") && text.contains("engine "), "{text}");
    let stored = app.store.latest_report(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.report["engine_version"].as_str(), Some(stored.engine_version.as_str()));
    // Recomputing stores a second report from the stored intake and landmarks.
    let recomputed = app.post(&format!("/assessments/{id}/recompute"), Some(&pat), &[]).await;
    assert_eq!(recomputed.status, StatusCode::SEE_OTHER, "{}", recomputed.text());
    let newest = app.store.latest_report(id.parse().unwrap()).await.unwrap().unwrap();
    assert_ne!(newest.id, stored.id);
    assert_eq!(newest.report["muscles"], stored.report["muscles"], "the engine is deterministic");
    // A complete assessment is final.
    let again = app.post(&format!("/assessments/{id}"), Some(&pat), &[("action", "save")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let edit = app.get(&format!("/assessments/{id}/edit"), Some(&pat)).await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER);

    // The therapist edits the plan in the editor; the edit is recorded as theirs, and the
    // report, its print and the handout all follow it.
    let plan_page = app.get(&format!("/assessments/{id}/plan"), Some(&pat)).await;
    assert_eq!(plan_page.status, StatusCode::OK);
    assert!(plan_page.text().contains("Save the plan") && plan_page.text().contains("data-exercise="));
    let stored = app.store.plan_for(id.parse().unwrap()).await.unwrap().unwrap();
    let engine_plan: tonus_app::report::PlanView = serde_json::from_value(stored.engine_plan.clone()).unwrap();
    let engine = tonus_app::Engine::embedded().unwrap();
    let mut edit = tonus_clinic::plans::PlanEdit::of(&engine_plan, engine.kb());
    let first_exercise = engine_plan.phases[0].exercises[0].name.clone();
    // Every problem at once, at its field, with what was typed kept.
    let mut wrong = edit.clone();
    wrong.exercises[0].dosage = String::new();
    wrong.exercises.push(tonus_clinic::plans::ExerciseEdit {
        exercise: "moonwalk".into(),
        phase: engine_plan.phases[0].id.clone(),
        laterality: tonus_app::report::Laterality::Both,
        dosage: "1".into(),
    });
    let bad = app.post(&format!("/assessments/{id}/plan"), Some(&pat), &refs(&plan_pairs(&wrong, "save"))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = bad.text();
    assert!(text.contains("2 thing(s) to fix") && text.contains("Exercise 1: give the dose"), "{text}");
    assert!(text.contains("is not an exercise in the library") && text.contains("give the dose"), "{text}");
    assert!(text.contains("value=\"moonwalk\""), "the typed id is kept");
    // "Add an exercise" comes back with an empty row and saves nothing.
    let added = app.post(&format!("/assessments/{id}/plan"), Some(&pat), &refs(&plan_pairs(&edit, "add_exercise"))).await;
    assert_eq!(added.status, StatusCode::OK);
    assert_eq!(added.text().matches("data-row=\"exercise\"").count(), edit.exercises.len() + 1);
    assert!(app.store.plan_for(id.parse().unwrap()).await.unwrap().unwrap().edited_plan.is_none());
    // The report page, rendered and kept before the edit, shows the edit afterwards.
    assert!(!app.get(&format!("/assessments/{id}"), Some(&pat)).await.text().contains("plan edited by"));
    edit.exercises[0].dosage = "Twice a day, 5 repetitions (therapist's dose)".into();
    edit.note = "Little and often beats a long session.".into();
    let saved = app.post(&format!("/assessments/{id}/plan"), Some(&pat), &refs(&plan_pairs(&edit, "save"))).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let plan = app.store.plan_for(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(plan.edited_by.map(|u| u.to_string()), Some(app.store.credentials("pat").await.unwrap().unwrap().user.id.to_string()));
    let report = app.get(&format!("/assessments/{id}"), Some(&pat)).await.text();
    assert!(report.contains("plan edited by pat"), "{report}");
    assert!(report.contains("therapist&#39;s dose") && report.contains("Little and often"), "the report shows the edited plan");
    let handout = app.get(&format!("/clients/{client}/handout"), Some(&pat)).await;
    assert_eq!(handout.status, StatusCode::OK);
    let text = handout.text();
    assert!(text.contains(&first_exercise) && text.contains("therapist&#39;s dose") && text.contains("Little and often"), "{text}");
    let timeline = app.get(&format!("/clients/{client}"), Some(&pat)).await.text();
    assert!(timeline.contains("complete"));
    // The timeline dates an assessment by the day it took place (the persona's intake says
    // 2026-11-24), with the day it was entered beside it.
    assert!(timeline.contains("Assessment 2026-11-24 (entered "), "{timeline}");
}

#[tokio::test]
async fn a_reassessment_carries_the_plan_forward_and_offers_the_engines_changes() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let client = app.client(&pat, "Alex Again", false).await;
    let first = app.assess(&pat, &client, 0).await;
    // The therapist drops an exercise and writes a note.
    let stored = app.store.plan_for(first.parse().unwrap()).await.unwrap().unwrap();
    let engine_plan: tonus_app::report::PlanView = serde_json::from_value(stored.engine_plan).unwrap();
    let engine = tonus_app::Engine::embedded().unwrap();
    let mut edit = tonus_clinic::plans::PlanEdit::of(&engine_plan, engine.kb());
    let dropped = edit.exercises.remove(0);
    edit.note = "Carry on with the chin tucks at your desk.".into();
    let saved = app.post(&format!("/assessments/{first}/plan"), Some(&pat), &refs(&plan_pairs(&edit, "save"))).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());

    // Reassessment: the new plan starts from the edited one, the engine's proposal beside it.
    let second = app.assess(&pat, &client, 0).await;
    let plan = app.store.plan_for(second.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!((plan.carried_from.map(|a| a.to_string()), plan.review_pending), (Some(first.clone()), true));
    let report = app.get(&format!("/assessments/{second}"), Some(&pat)).await.text();
    assert!(report.contains("Carry on with the chin tucks"), "the report shows the carried plan");
    let page = app.get(&format!("/assessments/{second}/plan"), Some(&pat)).await.text();
    assert!(page.contains("Carried forward from"), "{page}");
    let key = format!("add-exercise:{}:{}", dropped.phase, dropped.exercise);
    assert!(page.contains(&format!("value=\"{key}\"")), "the dropped exercise is offered back: {page}");
    // Taking it back is one tick; the review is then done.
    let reviewed = app.post(&format!("/assessments/{second}/plan/review"), Some(&pat), &[("accept", key.as_str())]).await;
    assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{}", reviewed.text());
    let plan = app.store.plan_for(second.parse().unwrap()).await.unwrap().unwrap();
    assert!(!plan.review_pending);
    let current: tonus_app::report::PlanView = serde_json::from_value(plan.edited_plan.unwrap()).unwrap();
    assert!(current.phases.iter().any(|p| p.id == dropped.phase && p.exercises.iter().any(|e| e.id == dropped.exercise)));
    assert_eq!(current.note.as_deref(), Some("Carry on with the chin tucks at your desk."));
    assert!(app.get(&format!("/assessments/{second}/plan"), Some(&pat)).await.text().contains("were reviewed"));
}

#[tokio::test]
async fn a_draft_and_its_photos_can_be_deleted_but_a_completed_assessment_stays() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let client = app.client(&pat, "Del Draft", false).await;
    let done = app.assess(&pat, &client, 0).await;
    // "Save draft and add photos" saves the new draft and opens it at its photos.
    let saved = app.post(&format!("/clients/{client}/assessments"), Some(&pat), &[("action", "photos")]).await;
    let draft = app.latest_assessment(&client).await;
    assert_eq!(saved.location.as_deref(), Some(format!("/assessments/{draft}/edit?saved=1#photos").as_str()));
    let png = b"\x89PNG\r\n\x1a\nretake".to_vec();
    app.upload(&format!("/assessments/{draft}/photos"), &pat, &[("view", "side-left")], ("p.png", &png)).await;
    let photo = app.store.photos_for(draft.parse().unwrap()).await.unwrap()[0].clone();
    let page = app.get(&format!("/assessments/{draft}/edit"), Some(&pat)).await.text();
    assert!(page.contains(&format!("/photos/{}/delete", photo.id)) && page.contains("Delete draft"));
    assert!(page.contains("no landmarks: no person was found"), "a photo that measures nothing is flagged");

    let removed = app.post(&format!("/photos/{}/delete", photo.id), Some(&pat), &[]).await;
    assert_eq!(removed.location.as_deref(), Some(format!("/assessments/{draft}/edit").as_str()));
    assert!(app.store.photos_for(draft.parse().unwrap()).await.unwrap().is_empty());
    let unconfirmed = app.post(&format!("/assessments/{draft}/delete"), Some(&pat), &[]).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let deleted = app.post(&format!("/assessments/{draft}/delete"), Some(&pat), &[("confirm", "yes")]).await;
    assert_eq!(deleted.location.as_deref(), Some(format!("/clients/{client}").as_str()));
    assert_eq!(app.get(&format!("/assessments/{draft}/edit"), Some(&pat)).await.status, StatusCode::NOT_FOUND);
    let kept = app.post(&format!("/assessments/{done}/delete"), Some(&pat), &[("confirm", "yes")]).await;
    assert_eq!(kept.status, StatusCode::CONFLICT);
    assert!(app.store.assessment(done.parse().unwrap()).await.is_ok());
}

#[tokio::test]
async fn red_flag_persona_gets_no_plan() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let client = app.client(&admin, "Red Flag", false).await;
    let id = app.assess(&admin, &client, 2).await;
    assert!(app.get(&format!("/assessments/{id}"), Some(&admin)).await.status.is_success());
    let plan = app.store.plan_for(id.parse().unwrap()).await.unwrap();
    assert!(plan.is_none_or(|p| p.engine_plan.is_null()));
    let handout = app.get(&format!("/clients/{client}/handout"), Some(&admin)).await.text();
    assert!(handout.contains("There is no exercise plan"));
}

#[tokio::test]
async fn client_accounts_share_links_export_and_erase() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let client = app.client(&pat, "Dana Driver", false).await;
    let id = app.assess(&pat, &client, 1).await;
    // (The new-assessment route also takes the form as multipart, with its photos:
    // `photos_chosen_on_a_new_assessment_are_saved_with_its_draft`.)

    // The client gets a login and sees their own record.
    let account = app.post(&format!("/clients/{client}/account"), Some(&pat), &[("login", "dana"), ("password", PASSWORD)]).await;
    assert_eq!(account.status, StatusCode::SEE_OTHER, "{}", account.text());
    let again = app.post(&format!("/clients/{client}/account"), Some(&pat), &[("login", "dana2"), ("password", PASSWORD)]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let dana = app.login("dana").await;
    // The client changes the initial password the practitioner set.
    assert_eq!(app.get("/account/password", Some(&dana)).await.status, StatusCode::OK);
    let wrong = app
        .post(
            "/account/password",
            Some(&dana),
            &[("current", "not it at all"), ("password", "my garden gate at seven"), ("confirm", "my garden gate at seven")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let changed = app
        .post(
            "/account/password",
            Some(&dana),
            &[("current", PASSWORD), ("password", "my garden gate at seven"), ("confirm", "my garden gate at seven")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    assert!(changed.text().contains("Your password is changed"));
    assert_eq!(app.get("/me", Some(&dana)).await.status, StatusCode::SEE_OTHER, "the old session ended");
    let cookie = changed.set_cookie.unwrap().split(';').next().unwrap().to_owned();
    let dana = support::Session { cookie, csrf: String::new() };
    assert_eq!(app.get("/me", Some(&dana)).await.status, StatusCode::OK, "the new session works");
    let home = app.get("/", Some(&dana)).await;
    assert_eq!(home.location.as_deref(), Some("/me"));
    let me = app.get("/me", Some(&dana)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.text().contains(&format!("/assessments/{id}")));
    assert_eq!(app.get(&format!("/assessments/{id}"), Some(&dana)).await.status, StatusCode::OK);
    assert_eq!(app.get(&format!("/clients/{client}/handout"), Some(&dana)).await.status, StatusCode::OK);
    // Through the API the client gets the plan they follow, not the therapist's working papers.
    let detail = app.api("GET", &format!("/api/assessments/{id}"), Some(&dana), None).await.json();
    assert!(detail["plan"]["current"].is_object(), "{detail}");
    for hidden in ["engine_plan", "edited_plan", "edited_by"] {
        assert!(detail["plan"][hidden].is_null(), "{hidden}: {detail}");
    }
    assert!(detail["report"].is_null() && detail["landmark_sets"] == json!([]), "{detail}");
    assert!(detail["assessment"]["intake"].is_null() && detail["assessment"]["form"] == json!({}), "{detail}");
    let listed = app.api("GET", &format!("/api/clients/{client}/assessments"), Some(&dana), None).await.json();
    assert!(listed["assessments"][0]["intake"].is_null(), "{listed}");
    let plan = app.api("GET", &format!("/api/assessments/{id}/plan"), Some(&dana), None).await.json();
    assert!(plan["current"].is_object() && plan["plan"]["engine_plan"].is_null(), "{plan}");
    let staff = app.api("GET", &format!("/api/assessments/{id}"), Some(&pat), None).await.json();
    assert!(staff["report"].is_object() && staff["plan"]["engine_plan"].is_object(), "{staff}");

    // A share link opens the handout without a login until revoked.
    let created = app.post(&format!("/clients/{client}/share-links"), Some(&pat), &[("days", "30")]).await;
    assert_eq!(created.status, StatusCode::OK);
    let text = created.text();
    assert!(text.contains("<svg") && text.contains("data-copy=\"#share-url\""), "a QR code and a copy button: {text}");
    let start = text.find("/share/").unwrap();
    let path: String = text[start..].chars().take_while(|c| *c != '<' && *c != '"').collect();
    let new_link = &app.store.share_links_for(client.parse().unwrap()).await.unwrap()[0];
    let days = (new_link.expires_at.0 - new_link.created_at.0) as f64 / 86_400_000.0;
    assert!((days - 30.0).abs() < 0.01, "the chosen expiry, 30 days: {days}");
    let odd = app.post(&format!("/clients/{client}/share-links"), Some(&pat), &[("days", "3")]).await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(odd.text().contains("days: choose one of"), "{}", odd.text());
    let shared = app.get(&path, None).await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.text());
    assert!(shared.text().contains("Your plan, Dana Driver"));
    assert_eq!(app.get("/share/0000", None).await.status, StatusCode::NOT_FOUND);
    let link = app.store.share_links_for(client.parse().unwrap()).await.unwrap()[0].id;
    let revoke = app.post(&format!("/clients/{client}/share-links/{link}/revoke"), Some(&pat), &[]).await;
    assert_eq!(revoke.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);

    // Export holds the whole record; erase removes it and the client's login.
    let export = app.get(&format!("/clients/{client}/export"), Some(&pat)).await;
    assert_eq!(export.status, StatusCode::OK);
    let doc = export.json();
    assert_eq!(doc["client"]["display_name"], "Dana Driver");
    assert_eq!(doc["assessments"].as_array().unwrap().len(), 1);
    assert_eq!(doc["landmark_sets"].as_array().unwrap().len(), 2);
    let confirm = app.get(&format!("/clients/{client}/erase"), Some(&pat)).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let wrong = app.post(&format!("/clients/{client}/erase"), Some(&pat), &[("confirm_name", "Dana")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let erased = app.post(&format!("/clients/{client}/erase"), Some(&pat), &[("confirm_name", "Dana Driver")]).await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/clients/{client}"), Some(&pat)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/assessments/{id}"), Some(&pat)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/me", Some(&dana)).await.status, StatusCode::SEE_OTHER, "the client's login went too");
    let audit = app.store.audit_for(&client, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "erase"));
    assert!(audit.iter().any(|e| e.action == "export"));
}

#[tokio::test]
async fn json_api_and_openapi_document() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    assert_eq!(app.api("GET", "/api/clients", None, None).await.status, StatusCode::UNAUTHORIZED);
    let session = app.api("GET", "/api/session", Some(&pat), None).await;
    assert_eq!(session.json()["user"]["login"], "pat");
    let created = app.api("POST", "/api/clients", Some(&pat), Some(json!({"display_name": "Api Client"}))).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let client = created.json()["client"]["id"].as_str().unwrap().to_owned();
    let persona = tonus_app::examples::personas()[0];
    let landmarks: Vec<Value> = persona.landmarks.iter().map(|(_, t)| serde_json::from_str(t).unwrap()).collect();
    let bad = app
        .api(
            "POST",
            &format!("/api/clients/{client}/assessments"),
            Some(&pat),
            Some(json!({"intake_text": "[client", "intake_format": "toml"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.json()["error"].as_str().unwrap().contains("intake_text"));
    let made = app
        .api(
            "POST",
            &format!("/api/clients/{client}/assessments"),
            Some(&pat),
            Some(json!({"intake_text": persona.intake, "intake_format": "toml", "landmarks": landmarks})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    let id = made.json()["assessment"]["id"].as_str().unwrap().to_owned();
    assert_eq!(made.json()["assessment"]["status"], "complete");
    let draft = app
        .api(
            "POST",
            &format!("/api/clients/{client}/assessments"),
            Some(&pat),
            Some(json!({"intake_text": persona.intake, "complete": false})),
        )
        .await;
    let draft = draft.json()["assessment"]["id"].as_str().unwrap().to_owned();
    let photo = app.api_raw("POST", &format!("/api/assessments/{draft}/photos?view=front"), Some(&pat), b"\xFF\xD8\xFFjpeg".to_vec()).await;
    assert_eq!(photo.status, StatusCode::CREATED, "{}", photo.text());
    assert_eq!(photo.json()["photo"]["media_type"], "image/jpeg");
    let not_photo = app.api_raw("POST", &format!("/api/assessments/{draft}/photos?view=front"), Some(&pat), b"GIF89a".to_vec()).await;
    assert_eq!(not_photo.status, StatusCode::UNPROCESSABLE_ENTITY);
    let completed =
        app.api_raw("POST", &format!("/api/assessments/{id}/photos?view=front"), Some(&pat), b"\xFF\xD8\xFFjpeg".to_vec()).await;
    assert_eq!(completed.status, StatusCode::CONFLICT);
    let photo_id = photo.json()["photo"]["id"].as_str().unwrap().to_owned();
    let bytes = app.api("GET", &format!("/api/photos/{photo_id}"), Some(&pat), None).await;
    assert_eq!((bytes.content_type.as_str(), bytes.body.as_slice()), ("image/jpeg", &b"\xFF\xD8\xFFjpeg"[..]));
    let note = app
        .api("POST", &format!("/api/clients/{client}/notes"), Some(&pat), Some(json!({"body": "Seen at the desk.", "assessment": draft})))
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.text());
    let notes = app.api("GET", &format!("/api/clients/{client}/notes"), Some(&pat), None).await.json();
    assert_eq!(notes["notes"][0]["assessment"], json!(draft));
    let got = app.api("GET", &format!("/api/assessments/{id}"), Some(&pat), None).await.json();
    assert!(got["report"]["report"]["engine_version"].is_string());
    assert_eq!(got["landmark_sets"].as_array().unwrap().len(), 1);
    let plan = app.api("GET", &format!("/api/assessments/{id}/plan"), Some(&pat), None).await.json();
    let current = plan["current"].clone();
    let put = app.api("PUT", &format!("/api/assessments/{id}/plan"), Some(&pat), Some(json!({"plan": current}))).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    assert!(put.json()["plan"]["edited_by"].is_string());
    let bad_plan = app.api("PUT", &format!("/api/assessments/{id}/plan"), Some(&pat), Some(json!({"plan": {"phases": 1}}))).await;
    assert_eq!(bad_plan.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The API checks a plan as the editor's form does: an exercise the library lacks and an
    // endless dose are refused, each named, and nothing is stored.
    let mut forged = current.clone();
    forged["phases"][0]["exercises"][0]["id"] = json!("../../etc/passwd");
    forged["phases"][0]["exercises"][1]["dosage"] = json!("x".repeat(5000));
    let refused = app.api("PUT", &format!("/api/assessments/{id}/plan"), Some(&pat), Some(json!({"plan": forged}))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    let error = refused.json()["error"].as_str().unwrap().to_owned();
    assert!(error.contains("exercise.0.id") && error.contains("etc/passwd") && error.contains("exercise.1.dosage"), "{error}");
    let after = app.api("GET", &format!("/api/assessments/{id}/plan"), Some(&pat), None).await.json();
    assert_eq!(after["current"], put.json()["plan"]["current"], "the refused plan is not stored");
    let list = app.api("GET", "/api/clients?q=api", Some(&pat), None).await.json();
    assert_eq!(list["clients"].as_array().unwrap().len(), 1);
    assert_eq!(app.api("GET", &format!("/api/clients/{client}"), Some(&pat), None).await.status, StatusCode::OK);
    assert_eq!(
        app.api("GET", &format!("/api/clients/{client}/assessments"), Some(&pat), None).await.json()["assessments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(app.api("GET", &format!("/api/clients/{client}/export"), Some(&pat), None).await.status, StatusCode::OK);

    // Every documented path and method is routed.
    let doc = app.api("GET", "/api/openapi.json", None, None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys().filter(|m| *m != "parameters") {
            let concrete = path.replace("{id}", &client);
            let reply = app.api(&method.to_uppercase(), &concrete, None, None).await;
            assert_ne!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
            assert_ne!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        }
    }
    let erased = app.api("DELETE", &format!("/api/clients/{client}"), Some(&pat), None).await;
    assert_eq!(erased.status, StatusCode::OK);
    assert_eq!(erased.json()["erased"]["assessments"], 2);
    assert_eq!(app.api("POST", "/api/logout", Some(&pat), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api("GET", "/api/session", Some(&pat), None).await.status, StatusCode::UNAUTHORIZED);
}

/// The API's document is generated from the handlers: it names exactly the routes the API
/// serves, and every error, whoever answers it (a handler, an extractor refusing the body, the
/// router), is the one JSON error body.
#[tokio::test]
async fn the_api_document_matches_the_routes_and_every_error_is_json() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let doc = app.api("GET", "/api/openapi.json", None, None).await.json();
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().unwrap().keys().filter(|m| *m != "parameters").map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let mut routed: Vec<(String, String)> = tonus_web::route_list().into_iter().filter(|(_, p)| p.starts_with("/api/")).collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed, "the document names exactly the API's routes");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path} {status}");
                }
            }
        }
    }
    assert!(doc["components"]["schemas"]["Client"]["properties"]["display_name"].is_object(), "types have schemas");

    let raw = |method: &'static str, path: &'static str, content_type: &'static str, body: Vec<u8>| {
        let request = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, &admin.cookie)
            .header("x-csrf-token", &admin.csrf)
            .body(axum::body::Body::from(body))
            .unwrap();
        app.send(request)
    };
    for (reply, status) in [
        (raw("POST", "/api/clients", "text/plain", b"display_name=A".to_vec()).await, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (raw("POST", "/api/clients", "application/json", b"{\"display_name\": ".to_vec()).await, StatusCode::BAD_REQUEST),
        (raw("POST", "/api/clients", "application/json", b"{\"name\": \"A\"}".to_vec()).await, StatusCode::UNPROCESSABLE_ENTITY),
        (raw("POST", "/api/clients", "application/json", b"{\"display_name\": \"  \"}".to_vec()).await, StatusCode::UNPROCESSABLE_ENTITY),
        (raw("POST", "/api/clients", "application/json", vec![b' '; 30 * 1024 * 1024]).await, StatusCode::PAYLOAD_TOO_LARGE),
        (raw("PUT", "/api/clients", "application/json", b"{}".to_vec()).await, StatusCode::METHOD_NOT_ALLOWED),
        (raw("GET", "/api/nothing-here", "application/json", Vec::new()).await, StatusCode::NOT_FOUND),
        (app.api("GET", "/api/clients?page=0", Some(&admin), None).await, StatusCode::UNPROCESSABLE_ENTITY),
        (app.api("GET", "/api/clients?page=x", Some(&admin), None).await, StatusCode::BAD_REQUEST),
        (app.api("GET", "/api/clients", None, None).await, StatusCode::UNAUTHORIZED),
    ] {
        assert_eq!(reply.status, status, "{}", reply.text());
        assert!(reply.content_type.starts_with("application/json"), "{status}: {}", reply.content_type);
        assert!(reply.json()["error"].as_str().is_some_and(|e| !e.is_empty() && !e.contains('<')), "{status}: {}", reply.text());
    }
    // A write from another site is refused before any handler, in the same body.
    let cross = axum::http::Request::builder()
        .method("POST")
        .uri("/api/clients")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .body(axum::body::Body::from(b"{\"display_name\": \"X\"}".to_vec()))
        .unwrap();
    let cross = app.send(cross).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert!(cross.content_type.starts_with("application/json") && !cross.text().contains('<'), "{}", cross.text());

    // Pages of clients, in name order, with the total.
    for name in ["Cleo", "Abel", "Bea"] {
        assert_eq!(app.api("POST", "/api/clients", Some(&admin), Some(json!({"display_name": name}))).await.status, StatusCode::CREATED);
    }
    let first = app.api("GET", "/api/clients?per_page=2", Some(&admin), None).await.json();
    assert_eq!((first["total"].as_i64(), first["page"].as_i64(), first["per_page"].as_i64()), (Some(3), Some(1), Some(2)));
    let names = |page: &Value| {
        page["clients"].as_array().unwrap().iter().map(|c| c["client"]["display_name"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(names(&first), ["Abel", "Bea"]);
    let second = app.api("GET", "/api/clients?per_page=2&page=2", Some(&admin), None).await.json();
    assert_eq!(names(&second), ["Cleo"]);
}

#[tokio::test]
async fn demo_loads_the_personas_through_the_engine() {
    let app = TestApp::new().await;
    let summary = tonus_web::load_demo_into(app.store.clone(), support::settings(), "demo", PASSWORD).await.unwrap();
    assert_eq!((summary.clients, summary.assessments), (3, 3));
    let demo = app.login("demo").await;
    let list = app.get("/clients", Some(&demo)).await.text();
    assert!(list.contains("Alex Morgan"), "{list}");
    assert!(tonus_web::load_demo_into(app.store.clone(), support::settings(), "demo2", PASSWORD).await.is_err());
}

#[tokio::test]
async fn progress_judges_change_against_real_change_thresholds() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let client = app.client(&admin, "Alex Morgan", false).await;
    let empty = app.get(&format!("/clients/{client}/progress"), Some(&admin)).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text().contains("No completed assessments yet"));
    app.assess(&admin, &client, 0).await;
    // A reassessment with pain much lower: NPRS now 4 → 1.
    let persona = tonus_app::examples::personas()[0];
    let better = persona.intake.replace("[outcomes.nprs]\nnow = 4", "[outcomes.nprs]\nnow = 1");
    assert_ne!(better, persona.intake);
    let saved = app
        .post(
            &format!("/clients/{client}/assessments"),
            Some(&admin),
            &[("intake_format", "toml"), ("intake_text", &better), ("action", "complete")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let form = app.get(&format!("/clients/{client}/assessments/new"), Some(&admin)).await.text();
    assert!(form.contains("filled in from the assessment of"), "a reassessment starts from the last intake");
    assert!(form.contains("name=\"exposure.sitting.desk\" value=\"8.5\""), "{form}");
    let page = app.get(&format!("/clients/{client}/progress"), Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("a change of -3.0 (-"), "an outcome's change also in percent: {text}");
    assert!(text.contains("reaches the real-change threshold"), "{text}");
    assert!(text.contains("a real improvement"), "{text}");
    assert!(text.contains("noise, not progress"), "unchanged measures are noise: {text}");
    assert!(text.contains("class=\"chart progress\""), "charted with the normal band and threshold: {text}");
    assert!(text.contains("real-change threshold): changes inside are noise"), "{text}");
}

#[tokio::test]
async fn an_uploaded_photo_gets_its_landmarks_from_the_pose_model() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let client = app.client(&pat, "Sam Example", false).await;
    let saved = app
        .post(
            &format!("/clients/{client}/assessments"),
            Some(&pat),
            &[("intake_format", "toml"), ("intake_text", "assessed_on = \"2026-11-24\"\n[client]\nname = \"Sam\"\n"), ("action", "save")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let id = app.latest_assessment(&client).await;
    let photo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../pose/test_data/side/sitting_posture_recognition/straight_flip.jpg"))
        .unwrap();
    let reply = app
        .upload(&format!("/assessments/{id}/photos"), &pat, &[("view", "side-right"), ("detect", "on")], ("straight_flip.jpg", &photo))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let sets = app.store.landmark_sets_for(id.parse().unwrap()).await.unwrap();
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].model, "blazepose-full");
    assert_eq!(sets[0].view, Some(tonus_store::View::SideRight));
    assert_eq!(sets[0].landmarks["landmarks"].as_array().unwrap().len(), 33);
    let photos = app.store.photos_for(id.parse().unwrap()).await.unwrap();
    assert_eq!(sets[0].photo, Some(photos[0].id));
    // Without the box ticked, no landmarks are made.
    let reply = app.upload(&format!("/assessments/{id}/photos"), &pat, &[("view", "front")], ("again.jpg", &photo)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store.landmark_sets_for(id.parse().unwrap()).await.unwrap().len(), 1);
}

/// Views are audited by group commit: many at once share transactions, yet each answers only
/// after its own line is in the log, so every view is there, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_views_are_each_audited_once() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let client = app.client(&admin, "Ola Many", false).await;
    let id = app.assess(&admin, &client, 0).await;
    let before = app.store.audit_for(&id, 1000).await.unwrap().iter().filter(|e| e.action == "view" && e.detail == "report").count();
    let path = format!("/assessments/{id}");
    let views = futures_util::future::join_all((0..40).map(|_| app.get(&path, Some(&admin)))).await;
    assert!(views.iter().all(|v| v.status == StatusCode::OK));
    let lines = app.store.audit_for(&id, 1000).await.unwrap();
    let viewed = lines.iter().filter(|e| e.action == "view" && e.detail == "report").count();
    assert_eq!(viewed - before, 40, "one line per view");
    let mut ids: Vec<_> = lines.iter().map(|e| e.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), lines.len());
}

#[tokio::test]
async fn links_use_the_public_address_and_https_is_pinned() {
    let plain = TestApp::new().await;
    assert!(plain.get("/healthz", None).await.headers.get("strict-transport-security").is_none(), "no HSTS over plain http");
    let app = TestApp::with_settings(tonus_web::Settings {
        secure_cookies: true,
        public_url: Some("https://clinic.example".into()),
        wasm_dir: None,
        ..support::settings()
    })
    .await;
    let hsts = app.get("/healthz", None).await.headers.get("strict-transport-security").cloned();
    assert_eq!(hsts.as_ref().and_then(|v| v.to_str().ok()), Some("max-age=31536000"));
    let admin = app.setup_admin().await;
    let client = app.client(&admin, "Dana Driver", false).await;
    let created = app.post(&format!("/clients/{client}/share-links"), Some(&admin), &[]).await.text();
    assert!(created.contains("https://clinic.example/share/"), "the link names the public address, not the Host header: {created}");
}

#[tokio::test]
async fn a_password_someone_else_set_must_be_changed_first() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let made = app
        .post(
            "/admin/users",
            Some(&admin),
            &[("login", "pat"), ("display_name", "Pat"), ("role", "practitioner"), ("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
    let pat = app.login_as_is("pat").await;
    // Every page leads to the change form; the API says why.
    let page = app.get("/clients", Some(&pat)).await;
    assert_eq!((page.status, page.location.as_deref()), (StatusCode::SEE_OTHER, Some("/account/password?required=1")));
    let api = app.api("GET", "/api/clients", Some(&pat), None).await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert!(api.text().contains("change it first"), "{}", api.text());
    let form = app.get("/account/password?required=1", Some(&pat)).await;
    assert!(form.text().contains("set by someone else"), "{}", form.text());
    // Keeping the given password is not a change.
    let same = app.post("/account/password", Some(&pat), &[("current", PASSWORD), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(same.text().contains("not the one you were given"));
    let own = "a kettle of blue herons";
    let changed = app.post("/account/password", Some(&pat), &[("current", PASSWORD), ("password", own), ("confirm", own)]).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    let cookie = changed.set_cookie.unwrap();
    let fresh = support::Session { cookie: cookie.split(';').next().unwrap().to_owned(), csrf: String::new() };
    assert_eq!(app.get("/clients", Some(&fresh)).await.status, StatusCode::OK, "the new session opens the app");
    // A reset by the admin asks for a change again.
    let pat_id = app.store.credentials("pat").await.unwrap().unwrap().user.id;
    app.post(&format!("/admin/users/{pat_id}/password"), Some(&admin), &[("password", "another long passphrase")]).await;
    assert!(app.store.user(pat_id).await.unwrap().must_change_password);
}

/// The plan editor's form fields for an edit, as the page names them.
/// The client's home page: this week's exercises, a tick for each one done today (stored, and
/// taken back), a weekly pain check-in, the next review; bad input refused by field; the
/// therapist sees the ticks and the pain on the client page.
#[tokio::test]
async fn the_client_home_keeps_ticks_and_pain_and_the_therapist_sees_them() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let client = app.client(&pat, "Alex Home", false).await;
    let assessment = app.assess(&pat, &client, 0).await;
    let account = app.post(&format!("/clients/{client}/account"), Some(&pat), &[("login", "alex"), ("password", PASSWORD)]).await;
    assert_eq!(account.status, StatusCode::SEE_OTHER, "{}", account.text());
    let alex = app.login("alex").await;

    let home = app.get("/me", Some(&alex)).await.text();
    assert!(home.contains("This week"), "{home}");
    let exercise = home.split("data-exercise=\"").nth(1).expect("an exercise of this week").split('"').next().unwrap().to_owned();
    assert!(home.contains("Mark done today"));
    assert!(home.contains("Next review:"), "the next review date");
    let today = home.split("name=\"day\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();

    let tick = |done: &'static str, exercise: String, day: String| {
        let alex = &alex;
        let app = &app;
        async move { app.post("/me/ticks", Some(alex), &[("exercise", &exercise), ("day", &day), ("done", done)]).await }
    };
    let done = tick("yes", exercise.clone(), today.clone()).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert!(app.get("/me", Some(&alex)).await.text().contains("✓ Done today (undo)"));
    // Bad input, each refused by its field.
    let not_in_plan = tick("yes", "band_row_of_someone_else".into(), today.clone()).await;
    assert_eq!(not_in_plan.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_in_plan.text().contains("exercise:"), "{}", not_in_plan.text());
    let plan = app.api("GET", &format!("/api/assessments/{assessment}/plan"), Some(&pat), None).await.json();
    let phases = plan["current"]["phases"].as_array().unwrap().clone();
    let ids =
        |phase: &Value| phase["exercises"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let later = phases[1..].iter().flat_map(ids).find(|id| !ids(&phases[0]).contains(id)).expect("a later phase's own exercise");
    let too_soon = tick("yes", later, today.clone()).await;
    assert_eq!(too_soon.status, StatusCode::UNPROCESSABLE_ENTITY, "a later phase's exercise is not this week's");
    assert!(too_soon.text().contains("exercise:"), "{}", too_soon.text());
    let future = tick("yes", exercise.clone(), "2999-01-01".into()).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.text().contains("day:"), "{}", future.text());
    let pain = app.post("/me/pain", Some(&alex), &[("nprs", "11")]).await;
    assert_eq!(pain.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(pain.text().contains("nprs:"), "{}", pain.text());
    let pain = app.post("/me/pain", Some(&alex), &[("nprs", "4")]).await;
    assert_eq!(pain.status, StatusCode::SEE_OTHER, "{}", pain.text());
    assert!(app.get("/me", Some(&alex)).await.text().contains("value=\"4\" required checked"));

    // The therapist's client page: one tick this week, pain 4.
    let page = app.get(&format!("/clients/{client}"), Some(&pat)).await.text();
    let row = page.split("<table class=\"home-reported\">").nth(1).expect("the at-home table").split("</tr>").nth(1).unwrap().to_owned();
    assert!(row.contains("<td>1</td><td>1</td>") && row.contains("4/10"), "{row}");

    // Taking the tick back.
    assert_eq!(tick("no", exercise.clone(), today.clone()).await.status, StatusCode::SEE_OTHER);
    assert!(app.get("/me", Some(&alex)).await.text().contains("Mark done today"));
}

/// The clinic's details: set by an administrator (with a PNG logo), printed at the top of the
/// report and the handout; a logo that is not a PNG or JPEG is refused by name and what was
/// typed comes back; other roles cannot change them.
#[tokio::test]
async fn clinic_details_print_on_reports_and_handouts() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let client = app.client(&pat, "Sam Print", false).await;
    let assessment = app.assess(&pat, &client, 0).await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let fields = [("name", "Harbour Massage"), ("address", "1 Quay Street\r\nPortsmouth"), ("contact", "01234 567890")];
    let saved = app.upload_as("/admin/clinic", &admin, &fields, "logo", ("logo.png", png)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());

    let report = app.get(&format!("/assessments/{assessment}"), Some(&pat)).await.text();
    let header = report.split("<div class=\"clinic-header\">").nth(1).expect("the clinic header").split("</div></div>").next().unwrap();
    assert!(
        header.contains("Harbour Massage") && header.contains("1 Quay Street<br>Portsmouth") && header.contains("01234 567890"),
        "{header}"
    );
    assert!(header.contains("src=\"data:image/png;base64,iVBORw0KGgo"), "{header}");
    let handout = app.get(&format!("/clients/{client}/handout"), Some(&pat)).await.text();
    assert!(handout.contains("<div class=\"clinic-header\">") && handout.contains("Harbour Massage"));

    let svg = app.upload_as("/admin/clinic", &admin, &[("name", "Typed Name")], "logo", ("logo.svg", b"<svg onload=alert(1)>")).await;
    assert_eq!(svg.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(svg.text().contains("logo: not a PNG or JPEG image") && svg.text().contains("value=\"Typed Name\""), "{}", svg.text());
    assert!(app.get(&format!("/assessments/{assessment}"), Some(&pat)).await.text().contains("Harbour Massage"), "nothing saved");
    assert_eq!(app.upload_as("/admin/clinic", &pat, &fields, "logo", ("logo.png", png)).await.status, StatusCode::FORBIDDEN);
}

/// A client's date of birth, contact and consent on the client page (refused by field when
/// wrong, in the export), and the duplicate warning when a client with the same name is added.
#[tokio::test]
async fn client_details_consent_and_duplicate_names() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let client = app.client(&pat, "Robin Example", false).await;
    let page = app.get(&format!("/clients/{client}"), Some(&pat)).await.text();
    assert!(page.contains("No consent recorded"), "a record without consent says so");

    let details = [
        ("date_of_birth", "1990-04-01"),
        ("phone", "07700 900123"),
        ("email", "robin@example.org"),
        ("consent", "assessment"),
        ("consent", "photos"),
        ("consent_on", "2026-11-02"),
    ];
    let saved = app.post(&format!("/clients/{client}/details"), Some(&pat), &details).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let page = app.get(&format!("/clients/{client}"), Some(&pat)).await.text();
    assert!(page.contains("Born 1990-04-01 (age ") && page.contains("robin@example.org"), "{page}");
    assert!(page.contains("Consent (tonus-consent-1 on 2026-11-02)") && page.contains("✗ Not agreed: I agree to reports being shared"));
    let future = app.post(&format!("/clients/{client}/details"), Some(&pat), &[("date_of_birth", "2999-01-01")]).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.text().contains("date_of_birth: 2999-01-01 is in the future"));
    let email = app.post(&format!("/clients/{client}/details"), Some(&pat), &[("email", "robin")]).await;
    assert_eq!(email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        email.text().contains("email: &#34;robin&#34; is not an e-mail address") || email.text().contains("email: \"robin\""),
        "{}",
        email.text()
    );
    let export = app.get(&format!("/clients/{client}/export"), Some(&pat)).await.json();
    assert_eq!(export["details"]["consent"]["items"], serde_json::json!(["assessment", "photos"]));

    // The same name again, in other case and spacing: warned, not added, until confirmed.
    let again = app.post("/clients", Some(&pat), &[("display_name", "  robin   EXAMPLE "), ("reference", "R-2")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let text = again.text();
    assert!(text.contains("A client with this name is already on record") && text.contains(&format!("/clients/{client}")), "{text}");
    assert!(text.contains("value=\"R-2\""), "what was typed comes back");
    let confirmed = app.post("/clients", Some(&pat), &[("display_name", "Robin Example"), ("confirm_duplicate", "yes")]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
}

/// Photos chosen on a new assessment's form are saved with its draft: the draft first, then
/// each photo; a file that is not a photo is not kept, and the draft's page says how many
/// were not used.
#[tokio::test]
async fn photos_chosen_on_a_new_assessment_are_saved_with_its_draft() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let client = app.client(&pat, "Alex Morgan", false).await;
    let new = app.get(&format!("/clients/{client}/assessments/new"), Some(&pat)).await.text();
    assert!(new.contains("enctype=\"multipart/form-data\"") && new.contains("name=\"photo_files\""), "the new form takes photos");
    let fields = [("client.name", "Alex Morgan"), ("assessed_on", "2026-11-24"), ("photo_view", "front"), ("action", "save")];
    let png: &[u8] = b"\x89PNG\r\n\x1a\nfront";
    let saved = app.upload_files(&format!("/clients/{client}/assessments"), &pat, &fields, "photo_files", &[("front.png", png)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let edit = saved.location.clone().unwrap();
    assert!(edit.ends_with("/edit?saved=1"), "{edit}");
    let id: tonus_store::AssessmentId = edit.trim_start_matches("/assessments/").trim_end_matches("/edit?saved=1").parse().unwrap();
    let photos = app.store.photos_for(id).await.unwrap();
    assert_eq!(photos.iter().map(|p| p.view).collect::<Vec<_>>(), [tonus_store::View::Front]);
    // The draft keeps what was typed, and none of the photo fields.
    let page = app.get(&edit, Some(&pat)).await.text();
    assert!(page.contains("value=\"Alex Morgan\"") && page.contains("front photo"), "{page}");
    let assessment = app.store.assessment(id).await.unwrap();
    assert!(assessment.form.get("photo_view").is_none(), "{}", assessment.form);

    // A file that is not a photo: the draft is still saved, and its page says one was not used.
    let with_text = app
        .upload_files(&format!("/clients/{client}/assessments"), &pat, &fields, "photo_files", &[("notes.txt", b"just notes".as_slice())])
        .await;
    assert_eq!(with_text.status, StatusCode::SEE_OTHER);
    let edit = with_text.location.clone().unwrap();
    assert!(edit.ends_with("/edit?saved=1&refused=1#photos"), "{edit}");
    let page = app.get(edit.trim_end_matches("#photos"), Some(&pat)).await.text();
    assert!(page.contains("1 of the photos chosen on the form could not be used"), "{page}");
}
