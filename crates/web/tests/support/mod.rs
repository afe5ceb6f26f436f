//! Shared helpers for the web tests: a real SQLite store in a temp dir, the real engine, and
//! requests sent through the router with `oneshot` (no socket).
//!
//! Included with `mod support;` by each test file; not every file uses every helper.

#![allow(dead_code, reason = "each test file uses a different part")]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tonus_store::{Store, StoreConfig};
use tonus_web::{AppState, PasswordCost, Settings};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug)]
pub struct TestApp {
    pub router: Router,
    pub store: Arc<dyn Store>,
    pub dir: tempfile::TempDir,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookie: Option<String>,
    /// Every `Set-Cookie` header, in order.
    pub set_cookies: Vec<String>,
    pub headers: axum::http::HeaderMap,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

pub fn settings() -> Settings {
    Settings {
        secure_cookies: false,
        password_cost: PasswordCost::MinimalForTests,
        session_ttl_secs: 3600,
        share_link_ttl_secs: 600,
        max_upload_bytes: 2 * 1024 * 1024,
        engine_permits: 2,
        trusted_proxies: Vec::new(),
        public_url: None,
        // A stand-in of `cargo xtask wasm`'s output: an empty module and a one-line script.
        wasm_dir: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wasm")),
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(settings()).await
    }

    /// An app with other settings (HTTPS, a public address …).
    pub async fn with_settings(settings: Settings) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = tonus_store::connect(&StoreConfig {
            database_url: format!("sqlite://{}", dir.path().join("tonus.db").display()),
            photos_dir: dir.path().join("photos"),
            max_connections: 4,
        })
        .await
        .unwrap();
        let state = AppState::new(store.clone(), settings).unwrap();
        Self { router: tonus_web::router(state), store, dir }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        Self::send_to(&self.router, request).await
    }

    /// Sends a request through a given router (this app's, or a second server's).
    pub async fn send_to(router: &Router, request: Request<Body>) -> Reply {
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let get = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let location = get(header::LOCATION);
        let set_cookie = get(header::SET_COOKIE);
        let set_cookies =
            response.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
        let content_type = get(header::CONTENT_TYPE).unwrap_or_default();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply { status, location, set_cookie, set_cookies, headers, content_type, body }
    }

    /// A second server on the same database, as another process would run it.
    pub async fn second_server(&self) -> Router {
        let store = tonus_store::connect(&StoreConfig {
            database_url: format!("sqlite://{}", self.dir.path().join("tonus.db").display()),
            photos_dir: self.dir.path().join("photos"),
            max_connections: 4,
        })
        .await
        .unwrap();
        tonus_web::router(AppState::new(store, settings()).unwrap())
    }

    pub async fn get(&self, path: &str, session: Option<&Session>) -> Reply {
        let mut request = Request::get(path);
        if let Some(s) = session {
            request = request.header(header::COOKIE, &s.cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Posts a form; adds the session's CSRF token unless `pairs` has one.
    pub async fn post(&self, path: &str, session: Option<&Session>, pairs: &[(&str, &str)]) -> Reply {
        let mut all: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        if let Some(s) = session
            && !pairs.iter().any(|(k, _)| *k == "csrf")
        {
            all.push(("csrf".into(), s.csrf.clone()));
        }
        let body = serde_urlencoded::to_string(&all).unwrap();
        let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(s) = session {
            request = request.header(header::COOKIE, &s.cookie);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// Posts a multipart upload with one file field.
    pub async fn upload(&self, path: &str, session: &Session, fields: &[(&str, &str)], file: (&str, &[u8])) -> Reply {
        self.upload_as(path, session, fields, "file", file).await
    }

    /// [`Self::upload`] with the file in the form field `field`.
    pub async fn upload_as(&self, path: &str, session: &Session, fields: &[(&str, &str)], field: &str, file: (&str, &[u8])) -> Reply {
        self.upload_files(path, session, fields, field, &[file]).await
    }

    /// Several files in the form field `field`, as a multiple file input sends them.
    pub async fn upload_files(
        &self,
        path: &str,
        session: &Session,
        fields: &[(&str, &str)],
        field: &str,
        files: &[(&str, &[u8])],
    ) -> Reply {
        let boundary = "tonus-test-boundary";
        let mut body = Vec::new();
        let mut fields: Vec<(String, String)> = fields.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        fields.insert(0, ("csrf".into(), session.csrf.clone()));
        for (name, value) in fields {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes());
        }
        for file in files {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                    file.0
                )
                .bytes(),
            );
            body.extend(file.1);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header(header::COOKIE, &session.cookie)
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Sends JSON to the API with the session cookie and CSRF header.
    pub async fn api(&self, method: &str, path: &str, session: Option<&Session>, body: Option<Value>) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(s) = session {
            request = request.header(header::COOKIE, &s.cookie).header("x-csrf-token", &s.csrf);
        }
        let body = match body {
            Some(value) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// Sends raw bytes to the API with the session cookie and CSRF header.
    pub async fn api_raw(&self, method: &str, path: &str, session: Option<&Session>, bytes: Vec<u8>) -> Reply {
        let mut request = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/octet-stream");
        if let Some(s) = session {
            request = request.header(header::COOKIE, &s.cookie).header("x-csrf-token", &s.csrf);
        }
        self.send(request.body(Body::from(bytes)).unwrap()).await
    }

    /// Runs first-run setup and returns the admin's session.
    pub async fn setup_admin(&self) -> Session {
        let url = tonus_web::print_setup_link(self.store.as_ref(), "http://test").await.unwrap().unwrap();
        let path = url.trim_start_matches("http://test");
        let reply = self
            .post(path, None, &[("login", "admin"), ("display_name", "Ada Admin"), ("password", PASSWORD), ("confirm", PASSWORD)])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        self.login("admin").await
    }

    /// Logs in through the API and returns the session (cookie and CSRF token). An account whose
    /// password someone else set is taken as having changed it already (to the same test
    /// password): the first-login change itself is tested in `router.rs`.
    pub async fn login(&self, login: &str) -> Session {
        if let Some(credentials) = self.store.credentials(login).await.unwrap().filter(|c| c.user.must_change_password) {
            self.store.set_password_hash(credentials.user.id, &credentials.password_hash, false).await.unwrap();
        }
        self.login_as_is(login).await
    }

    /// Logs in through the API as the account stands (no first-login shortcut).
    pub async fn login_as_is(&self, login: &str) -> Session {
        let reply = self.api("POST", "/api/login", None, Some(serde_json::json!({"login": login, "password": PASSWORD}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let cookie = reply.set_cookie.clone().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let csrf = reply.json()["csrf_token"].as_str().unwrap().to_owned();
        Session { cookie, csrf }
    }

    /// Creates a staff account as the admin and logs it in.
    pub async fn staff(&self, admin: &Session, login: &str, role: &str) -> Session {
        let reply = self
            .post(
                "/admin/users",
                Some(admin),
                &[("login", login), ("display_name", login), ("role", role), ("password", PASSWORD), ("confirm", PASSWORD)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        self.login(login).await
    }

    /// Creates a client as `owner` and returns its id.
    pub async fn client(&self, owner: &Session, name: &str, shared: bool) -> String {
        let mut pairs = vec![("display_name", name)];
        if shared {
            pairs.push(("shared", "on"));
        }
        let reply = self.post("/clients", Some(owner), &pairs).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        reply.location.unwrap().trim_start_matches("/clients/").to_owned()
    }

    /// Completes an assessment for a client from an example persona through the form.
    pub async fn assess(&self, owner: &Session, client: &str, persona: usize) -> String {
        let persona = tonus_app::examples::personas()[persona];
        let reply = self
            .post(
                &format!("/clients/{client}/assessments"),
                Some(owner),
                &[("intake_format", "toml"), ("intake_text", persona.intake), ("action", "save")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let id = self.latest_assessment(client).await;
        for (name, text) in persona.landmarks {
            let reply = self.upload(&format!("/assessments/{id}/landmarks"), owner, &[], (name, text.as_bytes())).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        }
        let reply = self
            .post(
                &format!("/assessments/{id}"),
                Some(owner),
                &[("intake_format", "toml"), ("intake_text", persona.intake), ("action", "complete")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        id
    }

    pub async fn latest_assessment(&self, client: &str) -> String {
        let assessments = self.store.assessments_for(client.parse().unwrap()).await.unwrap();
        assessments.last().unwrap().id.to_string()
    }
}

/// The plan editor's form fields for an edit.
pub fn plan_pairs(edit: &tonus_clinic::plans::PlanEdit, action: &str) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("action".to_owned(), action.to_owned()),
        ("massage.session_min".to_owned(), edit.dose.session_min.to_string()),
        ("massage.sessions_per_week".to_owned(), edit.dose.sessions_per_week.to_string()),
        ("massage.weeks".to_owned(), edit.dose.weeks.to_string()),
        ("note".to_owned(), edit.note.clone()),
    ];
    for (i, t) in edit.targets.iter().enumerate() {
        pairs.push((format!("target.{i}.muscle"), t.muscle.clone()));
        pairs.push((format!("target.{i}.side"), t.laterality.as_str().to_owned()));
        pairs.extend(t.techniques.iter().map(|id| (format!("target.{i}.technique"), id.clone())));
    }
    for (i, e) in edit.exercises.iter().enumerate() {
        pairs.push((format!("exercise.{i}.id"), e.exercise.clone()));
        pairs.push((format!("exercise.{i}.phase"), e.phase.clone()));
        pairs.push((format!("exercise.{i}.side"), e.laterality.as_str().to_owned()));
        pairs.push((format!("exercise.{i}.dosage"), e.dosage.clone()));
    }
    pairs
}

/// Borrowed pairs for `TestApp::post`.
pub fn refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
