//! The authorisation matrix: every route × every role × own or another's record, checked
//! against the rule in `access.rs` (admin: everything; practitioner: own and shared clients;
//! client: only their own completed record, read-only; anonymous: public pages only).
//!
//! Allowed means a success or a redirect that is not to the login page; denied means 401,
//! 403, 404 or a redirect to the login page. A 5xx fails the test either way.

mod support;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};
use support::{PASSWORD, Session, TestApp};
use tonus_store::{NewClient, NewUser, Role};

const ROLES: [&str; 6] = ["admin", "pat", "sam", "dana", "eve", "anon"];
const STAFF: &[&str] = &["admin", "pat", "sam"];
const LOGGED_IN: &[&str] = &["admin", "pat", "sam", "dana", "eve"];
const EVERYONE: &[&str] = &["admin", "pat", "sam", "dana", "eve", "anon"];

enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Upload(&'static str, Vec<u8>),
    Json(Value),
    Raw(Vec<u8>),
}

struct Case {
    method: &'static str,
    path: &'static str,
    body: Body,
    allowed: &'static [&'static str],
}

fn case(method: &'static str, path: &'static str, allowed: &'static [&'static str]) -> Case {
    Case { method, path, body: Body::None, allowed }
}

fn form(path: &'static str, fields: &[(&'static str, &str)], allowed: &'static [&'static str]) -> Case {
    Case { method: "POST", path, body: Body::Form(fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()), allowed }
}

struct Fixture {
    app: TestApp,
    sessions: BTreeMap<&'static str, Session>,
    ids: BTreeMap<&'static str, String>,
    pat_id: tonus_store::UserId,
    plan: Value,
}

async fn fixture() -> Fixture {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let pat = app.staff(&admin, "pat", "practitioner").await;
    let sam = app.staff(&admin, "sam", "practitioner").await;
    let x = app.client(&pat, "Xena Own", false).await;
    let y = app.client(&sam, "Yann Other", false).await;
    let s = app.client(&sam, "Sasha Shared", true).await;
    // X: a completed assessment with a photo, and a draft.
    let persona = tonus_app::examples::personas()[0];
    app.post(&format!("/clients/{x}/assessments"), Some(&pat), &[("action", "save")]).await;
    let ax = app.latest_assessment(&x).await;
    let png = b"\x89PNG\r\n\x1a\nmatrix".to_vec();
    app.upload(&format!("/assessments/{ax}/photos"), &pat, &[("view", "side-left")], ("p.png", &png)).await;
    let done = app
        .post(
            &format!("/assessments/{ax}"),
            Some(&pat),
            &[("intake_format", "toml"), ("intake_text", persona.intake), ("action", "complete")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    app.post(&format!("/clients/{x}/assessments"), Some(&pat), &[("action", "save")]).await;
    let dx = app.latest_assessment(&x).await;
    let px = app.store.photos_for(ax.parse().unwrap()).await.unwrap()[0].id.to_string();
    let ay = app.assess(&sam, &y, 1).await;
    let shared = app.post(&format!("/clients/{x}/share-links"), Some(&pat), &[]).await.text();
    let token =
        shared.split("/share/").nth(1).and_then(|rest| rest.split(['"', '<', ' ']).next()).expect("the share link is shown").to_owned();
    // A second link for the revoke row, so the one above stays open for the share row.
    app.post(&format!("/clients/{x}/share-links"), Some(&pat), &[]).await;
    let open = app.store.share_link(&tonus_store::token::hash(&token)).await.unwrap().unwrap().id;
    let links = app.store.share_links_for(x.parse().unwrap()).await.unwrap();
    let lx = links.iter().find(|l| l.id != open).unwrap().id.to_string();
    // A landmark set of X's completed assessment, for the correction route.
    let landmarks = persona.landmarks[0].1.as_bytes().to_vec();
    app.post(&format!("/clients/{x}/assessments"), Some(&pat), &[("action", "save")]).await;
    let cx = app.latest_assessment(&x).await;
    app.upload(&format!("/assessments/{cx}/landmarks"), &pat, &[], ("l.json", &landmarks)).await;
    let done = app
        .post(
            &format!("/assessments/{cx}"),
            Some(&pat),
            &[("intake_format", "toml"), ("intake_text", persona.intake), ("action", "complete")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let sx = app.store.landmark_sets_for(cx.parse().unwrap()).await.unwrap()[0].id.to_string();
    for (client, login) in [(&x, "dana"), (&y, "eve")] {
        let reply = app.post(&format!("/clients/{client}/account"), Some(&admin), &[("login", login), ("password", PASSWORD)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
    }
    let dana = app.login("dana").await;
    let eve = app.login("eve").await;
    let plan = app.store.plan_for(ax.parse().unwrap()).await.unwrap().unwrap().engine_plan;
    let pat_id = app.store.credentials("pat").await.unwrap().unwrap().user.id;
    Fixture {
        sessions: BTreeMap::from([("admin", admin), ("pat", pat), ("sam", sam), ("dana", dana), ("eve", eve)]),
        ids: BTreeMap::from([
            ("X", x),
            ("Y", y),
            ("S", s),
            ("aX", ax),
            ("aY", ay),
            ("dX", dx),
            ("pX", px),
            ("LX", lx),
            ("cX", cx),
            ("sX", sx),
            ("T", token),
        ]),
        app,
        pat_id,
        plan,
    }
}

impl Fixture {
    /// Fills `{X}`-style placeholders; `{FX}` is a fresh client of pat's, `{U}` a fresh account.
    async fn path(&self, template: &str, n: usize) -> String {
        let mut path = template.to_owned();
        if path.contains("{FX}") {
            let fresh = self
                .app
                .store
                .create_client(NewClient { owner: self.pat_id, display_name: "Fresh".into(), reference: None, shared_with_clinic: false })
                .await
                .unwrap();
            path = path.replace("{FX}", &fresh.id.to_string());
        }
        if path.contains("{FD}") || path.contains("{FP}") {
            // A fresh draft of X's (and a photo on it), for the rows that delete them.
            let client = self.ids["X"].parse().unwrap();
            let draft = self
                .app
                .store
                .create_assessment(tonus_store::NewAssessment {
                    client,
                    created_by: self.pat_id,
                    form: serde_json::json!({}),
                    intake: None,
                })
                .await
                .unwrap();
            let mut bytes = b"\x89PNG\r\n\x1a\nfresh".to_vec();
            bytes.extend(n.to_le_bytes());
            let photo = self
                .app
                .store
                .add_photo(tonus_store::NewPhoto {
                    assessment: draft.id,
                    bytes,
                    media_type: "image/png".into(),
                    view: tonus_store::View::Front,
                })
                .await
                .unwrap();
            path = path.replace("{FD}", &draft.id.to_string()).replace("{FP}", &photo.id.to_string());
        }
        if path.contains("{U}") {
            let user = self
                .app
                .store
                .create_user(NewUser {
                    login: format!("u{n}"),
                    display_name: "U".into(),
                    role: Role::Practitioner,
                    password_hash: "x".into(),
                    must_change_password: false,
                })
                .await
                .unwrap();
            path = path.replace("{U}", &user.id.to_string());
        }
        for (key, id) in &self.ids {
            path = path.replace(&format!("{{{key}}}"), id);
        }
        path
    }

    async fn send(&self, case: &Case, role: &str, n: usize) -> (String, support::Reply) {
        let path = self.path(case.path, n).await;
        // Logging out ends the session, so it gets a session of its own.
        let fresh;
        let session = match (role, case.path.ends_with("logout")) {
            ("anon", _) => None,
            (_, true) => {
                fresh = self.app.login(role).await;
                Some(&fresh)
            }
            (_, false) => self.sessions.get(role),
        };
        let reply = match &case.body {
            Body::None if path.starts_with("/api/") => self.app.api(case.method, &path, session, None).await,
            Body::None if case.method == "POST" => self.app.post(&path, session, &[]).await,
            Body::None => self.app.get(&path, session).await,
            Body::Form(fields) => {
                let fields: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, v.replace("{n}", &n.to_string()))).collect();
                let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                self.app.post(&path, session, &pairs).await
            }
            Body::Upload(name, bytes) => match session {
                Some(s) => self.app.upload(&path, s, &[("view", "front")], (name, bytes)).await,
                None => self.app.post(&path, None, &[]).await,
            },
            Body::Json(value) => self.app.api(case.method, &path, session, Some(value.clone())).await,
            Body::Raw(bytes) => self.app.api_raw(case.method, &path, session, bytes.clone()).await,
        };
        (path, reply)
    }
}

/// Another system's Bundle with one Patient.
fn foreign_bundle() -> Vec<u8> {
    br#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p1","name":[{"text":"Ola Elsewhere"}]}}]}"#.to_vec()
}

/// Today, `YYYY-MM-DD` (UTC, as the server's home page counts days).
fn today() -> String {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 86_400;
    tonus_core::Date::from_ymd(1970, 1, 1).unwrap().add_days(days as i64).to_string()
}

fn allowed(reply: &support::Reply) -> bool {
    // A logout also lands on the login page; it succeeded when it cleared the cookie.
    if reply.set_cookie.as_deref().is_some_and(|c| c.contains("Max-Age=0")) {
        return true;
    }
    let to_login = reply.location.as_deref().is_some_and(|l| l.starts_with("/login"));
    (reply.status.is_success() || reply.status.is_redirection()) && !to_login
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_by_role_and_owner() {
    let f = fixture().await;
    let persona = tonus_app::examples::personas()[0];
    let landmark = persona.landmarks[0].1.as_bytes().to_vec();
    let cases = vec![
        case("GET", "/", LOGGED_IN),
        case("GET", "/healthz", EVERYONE),
        case("GET", "/assets/tonus.css", EVERYONE),
        case("GET", "/assets/tonus.js", EVERYONE),
        case("GET", "/wasm/pose.mjs", EVERYONE),
        case("GET", "/login", EVERYONE),
        case("GET", "/setup/used-or-unknown", &[]),
        form("/setup/used-or-unknown", &[("login", "x"), ("display_name", "X"), ("password", PASSWORD), ("confirm", PASSWORD)], &[]),
        form("/login", &[("login", "pat"), ("password", PASSWORD)], EVERYONE),
        case("POST", "/logout", LOGGED_IN),
        case("GET", "/me", &["dana", "eve"]),
        Case {
            method: "POST",
            path: "/me/ticks",
            body: Body::Form(vec![("exercise", "upper_trapezius_stretch".to_owned()), ("day", today()), ("done", "yes".to_owned())]),
            allowed: &["dana", "eve"],
        },
        form("/me/pain", &[("nprs", "3")], &["dana", "eve"]),
        case("GET", "/desk", &["dana", "eve"]),
        case("GET", "/desk-sw.js", EVERYONE),
        case("GET", "/desk.webmanifest", EVERYONE),
        case("GET", "/account/password", LOGGED_IN),
        case("GET", "/admin/users", &["admin"]),
        case("GET", "/admin/clinic", &["admin"]),
        Case { method: "POST", path: "/admin/clinic", body: Body::Upload("logo.txt", Vec::new()), allowed: &["admin"] },
        form(
            "/admin/users",
            &[("login", "new{n}"), ("display_name", "N"), ("role", "practitioner"), ("password", PASSWORD), ("confirm", PASSWORD)],
            &["admin"],
        ),
        case("POST", "/admin/users/{U}/disable", &["admin"]),
        case("POST", "/admin/users/{U}/enable", &["admin"]),
        form("/admin/users/{U}/password", &[("password", PASSWORD)], &["admin"]),
        case("GET", "/admin/audit", &["admin"]),
        case("GET", "/clients", STAFF),
        form("/clients", &[("display_name", "Made by {n}")], STAFF),
        case("GET", "/clients/{X}", &["admin", "pat"]),
        case("GET", "/clients/{Y}", &["admin", "sam"]),
        case("GET", "/clients/{S}", STAFF),
        form("/clients/{X}", &[("display_name", "Xena Own")], &["admin", "pat"]),
        form("/clients/{Y}", &[("display_name", "Yann Other")], &["admin", "sam"]),
        form("/clients/{S}", &[("display_name", "Sasha Shared"), ("shared", "on")], STAFF),
        form("/clients/{X}/notes", &[("body", "note {n}")], &["admin", "pat"]),
        form("/clients/{X}/details", &[("phone", "0123"), ("consent", "assessment")], &["admin", "pat"]),
        form("/clients/{Y}/details", &[("phone", "0123")], &["admin", "sam"]),
        form("/clients/{Y}/notes", &[("body", "note {n}")], &["admin", "sam"]),
        form("/clients/{FX}/account", &[("login", "client{n}"), ("password", PASSWORD)], &["admin", "pat"]),
        case("POST", "/clients/{X}/share-links", &["admin", "pat"]),
        case("POST", "/clients/{Y}/share-links", &["admin", "sam"]),
        case("POST", "/clients/{X}/share-links/{LX}/revoke", &["admin", "pat"]),
        case("GET", "/clients/{X}/export", &["admin", "pat"]),
        case("GET", "/clients/{Y}/export", &["admin", "sam"]),
        case("GET", "/clients/{X}/export.zip", &["admin", "pat"]),
        case("GET", "/clients/{Y}/export.zip", &["admin", "sam"]),
        case("GET", "/clients/{S}/export.zip", STAFF),
        case("GET", "/clients/{X}/export.fhir.json", &["admin", "pat"]),
        case("GET", "/clients/{Y}/export.fhir.json", &["admin", "sam"]),
        case("GET", "/fhir/metadata", EVERYONE),
        Case { method: "POST", path: "/clients/import", body: Body::Upload("b.json", foreign_bundle()), allowed: STAFF },
        Case { method: "POST", path: "/api/clients/import", body: Body::Raw(foreign_bundle()), allowed: STAFF },
        case("GET", "/fhir/Patient/{X}", &["admin", "pat"]),
        case("GET", "/fhir/Patient/{Y}", &["admin", "sam"]),
        case("GET", "/fhir/Patient/{S}/$everything", STAFF),
        case("GET", "/fhir/Patient/{X}/$everything", &["admin", "pat"]),
        case("GET", "/fhir/Observation?patient={X}", &["admin", "pat"]),
        case("GET", "/fhir/Observation?patient={Y}", &["admin", "sam"]),
        case("GET", "/clients/{X}/erase", &["admin", "pat"]),
        form("/clients/{FX}/erase", &[("confirm_name", "Fresh")], &["admin", "pat"]),
        case("GET", "/clients/{X}/handout", &["admin", "pat", "dana"]),
        case("GET", "/clients/{Y}/handout", &["admin", "sam", "eve"]),
        case("GET", "/clients/{X}/progress", &["admin", "pat", "dana"]),
        case("GET", "/clients/{Y}/progress", &["admin", "sam", "eve"]),
        case("GET", "/clients/{X}/compare", &["admin", "pat", "dana"]),
        case("GET", "/clients/{Y}/compare", &["admin", "sam", "eve"]),
        case("GET", "/clients/{X}/what-if", &["admin", "pat", "dana"]),
        case("GET", "/clients/{Y}/what-if", &["admin", "sam", "eve"]),
        case("GET", "/clients/{X}/what-if/chart?adherence=50", &["admin", "pat", "dana"]),
        case("GET", "/clients/{X}/assessments/new", &["admin", "pat"]),
        case("GET", "/clients/{Y}/assessments/new", &["admin", "sam"]),
        form("/clients/{X}/assessments", &[("action", "save")], &["admin", "pat"]),
        form("/clients/{Y}/assessments", &[("action", "save")], &["admin", "sam"]),
        case("GET", "/assessments/{aX}", &["admin", "pat", "dana"]),
        case("GET", "/assessments/{aY}", &["admin", "sam", "eve"]),
        case("GET", "/assessments/{dX}", &["admin", "pat"]),
        case("GET", "/assessments/{dX}/edit", &["admin", "pat"]),
        case("GET", "/assessments/{dX}/capture?view=front", &["admin", "pat"]),
        form("/assessments/{dX}", &[("action", "save"), ("outcomes.nprs.now", "5")], &["admin", "pat"]),
        Case {
            method: "POST",
            path: "/assessments/{dX}/photos",
            body: Body::Upload("p.png", b"\x89PNG\r\n\x1a\nmore".to_vec()),
            allowed: &["admin", "pat"],
        },
        Case {
            method: "POST",
            path: "/assessments/{dX}/landmarks",
            body: Body::Upload("l.json", landmark.clone()),
            allowed: &["admin", "pat"],
        },
        case("GET", "/assessments/{aX}/plan", &["admin", "pat"]),
        case("GET", "/assessments/{aY}/plan", &["admin", "sam"]),
        Case {
            method: "POST",
            path: "/assessments/{aX}/plan",
            body: Body::Form(vec![("action", "add_exercise".to_owned())]),
            allowed: &["admin", "pat"],
        },
        case("POST", "/assessments/{aX}/plan/review", &["admin", "pat"]),
        case("POST", "/assessments/{aY}/plan/review", &["admin", "sam"]),
        case("GET", "/photos/{pX}", &["admin", "pat", "dana"]),
        case("POST", "/photos/{FP}/delete", &["admin", "pat"]),
        form("/assessments/{FD}/delete", &[("confirm", "yes")], &["admin", "pat"]),
        case("POST", "/assessments/{aX}/recompute", &["admin", "pat"]),
        case("POST", "/assessments/{aY}/recompute", &["admin", "sam"]),
        case("GET", "/api/openapi.json", EVERYONE),
        case("GET", "/api/session", LOGGED_IN),
        case("POST", "/api/logout", LOGGED_IN),
        case("GET", "/api/clients", STAFF),
        Case { method: "POST", path: "/api/clients", body: Body::Json(json!({"display_name": "Api"})), allowed: STAFF },
        Case {
            method: "POST",
            path: "/api/desk/days",
            body: Body::Json(json!({"days": [{"day": "2026-11-30", "sitting_ms": 60000, "longest_bout_ms": 60000, "breaks_offered": 0,
                "breaks_taken": 0, "readable_ms": 0, "within_ms": 0, "nudges": 0, "exercises_done": 0}]})),
            allowed: &["dana", "eve"],
        },
        case("GET", "/api/clients/{X}", &["admin", "pat", "dana"]),
        case("GET", "/api/clients/{Y}", &["admin", "sam", "eve"]),
        case("DELETE", "/api/clients/{FX}", &["admin", "pat"]),
        case("GET", "/api/clients/{X}/export", &["admin", "pat"]),
        case("GET", "/api/clients/{X}/assessments", &["admin", "pat", "dana"]),
        case("GET", "/api/clients/{Y}/assessments", &["admin", "sam", "eve"]),
        Case {
            method: "POST",
            path: "/api/clients/{X}/assessments",
            body: Body::Json(json!({"intake_text": persona.intake, "complete": false})),
            allowed: &["admin", "pat"],
        },
        case("GET", "/api/assessments/{aX}", &["admin", "pat", "dana"]),
        case("GET", "/api/clients/{X}/notes", &["admin", "pat"]),
        case("GET", "/api/clients/{Y}/notes", &["admin", "sam"]),
        Case { method: "POST", path: "/api/clients/{X}/notes", body: Body::Json(json!({"body": "api note"})), allowed: &["admin", "pat"] },
        case("GET", "/api/photos/{pX}", &["admin", "pat", "dana"]),
        case("GET", "/api/assessments/{dX}", &["admin", "pat"]),
        case("GET", "/api/assessments/{aX}/plan", &["admin", "pat", "dana"]),
        Case {
            method: "POST",
            path: "/api/assessments/{dX}/photos?view=front",
            body: Body::Raw(b"\xFF\xD8\xFFjpeg".to_vec()),
            allowed: &["admin", "pat"],
        },
        Case { method: "PUT", path: "/api/assessments/{aX}/plan", body: Body::Json(json!({"plan": f.plan})), allowed: &["admin", "pat"] },
        case("GET", "/share/{T}", EVERYONE),
        case("GET", "/share/not-a-token", &[]),
        form("/assessments/{cX}/landmarks/{sX}/correct", &[("points", r#"[{"i":7,"x":0.5,"y":0.2}]"#)], &["admin", "pat"]),
        Case { method: "POST", path: "/api/login", body: Body::Json(json!({"login": "pat", "password": PASSWORD})), allowed: EVERYONE },
        // Last: each account changes its password to the one it has, which ends its sessions.
        form("/account/password", &[("current", PASSWORD), ("password", PASSWORD), ("confirm", PASSWORD)], LOGGED_IN),
    ];
    // Every route the router serves has a row, and every row names a route: a segment in
    // braces matches any segment.
    let segments = |path: &str| path.split('?').next().unwrap_or(path).split('/').map(str::to_owned).collect::<Vec<_>>();
    let matches = |route: &(String, String), case: &Case| {
        let (r, c) = (segments(&route.1), segments(case.path));
        route.0 == case.method
            && r.len() == c.len()
            && r.iter().zip(&c).all(|(r, c)| r == c || r.starts_with('{') || (c.starts_with('{') && r.starts_with('{')))
    };
    let routes = tonus_web::route_list();
    let missing: Vec<_> = routes.iter().filter(|r| !cases.iter().any(|c| matches(r, c))).collect();
    assert!(missing.is_empty(), "routes without a row in the matrix: {missing:?}");
    let unknown: Vec<_> = cases.iter().filter(|c| !routes.iter().any(|r| matches(r, c))).map(|c| (c.method, c.path)).collect();
    assert!(unknown.is_empty(), "rows for routes the router does not serve: {unknown:?}");
    let mut failures = Vec::new();
    let mut n = 0;
    for case in &cases {
        for role in ROLES {
            n += 1;
            let (path, reply) = f.send(case, role, n).await;
            let want = case.allowed.contains(&role);
            let got = allowed(&reply);
            let denied_properly = !got
                && (matches!(reply.status.as_u16(), 401 | 403 | 404) || reply.location.as_deref().is_some_and(|l| l.starts_with("/login")));
            if reply.status.is_server_error() || got != want || (!want && !denied_properly) {
                failures.push(format!(
                    "{} {path} as {role}: want {}, got {} {:?} {}",
                    case.method,
                    if want { "allow" } else { "deny" },
                    reply.status,
                    reply.location,
                    reply.text().chars().take(200).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {n} checks failed:\n{}", failures.len(), failures.join("\n"));
}
