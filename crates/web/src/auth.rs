//! Logging in and out: argon2 password hashes, server-side sessions, the login rate limit.
//!
//! A session is a random 256-bit token in an `HttpOnly`, `SameSite=Lax` cookie (`Secure`
//! behind https); the store keeps only its SHA-256 with the user and the session's CSRF token.
//! Failed logins are limited per account and per client address (`login_guard.rs`, counted
//! in the store so every process shares them). Sessions read in the last second are kept in
//! memory ([`SessionCache`]). Left out: password reset
//! by email (an admin resets passwords) and multi-factor login.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tonus_clinic::{Action, RecordKind};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use askama::Template;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use tonus_store::{NewSession, Role, Session, Timestamp, User, token};

use crate::error::{ApiError, WebError};
use crate::login_guard::{self, Attempt, DEVICE_COOKIE, MAX_LOGIN_LEN, ORIGIN_MEMORY_DAYS, Origin, RequestOrigin};
use crate::pages::Layout;
use crate::state::{AppState, PasswordCost};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "tonus_session";

/// Largest login request body: a login name, a password and a redirect path fit many times.
pub(crate) const LOGIN_BODY_LIMIT: usize = 16 * 1024;

fn argon2(cost: PasswordCost) -> Result<Argon2<'static>, WebError> {
    let params = match cost {
        PasswordCost::Standard => Params::default(),
        PasswordCost::MinimalForTests => Params::new(8, 1, 1, None).map_err(|err| WebError::Config(format!("argon2 parameters: {err}")))?,
    };
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new password against the policy (`password.rs`; `login` is the account's name)
/// and hashes it (off the async threads).
pub(crate) async fn hash_password(cost: PasswordCost, password: &str, login: &str) -> Result<String, WebError> {
    crate::password::check(password, login)?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let hash =
            argon2(cost)?.hash_password(password.as_bytes()).map_err(|err| WebError::Engine(format!("password hashing failed: {err}")))?;
        Ok(hash.to_string())
    })
    .await
    .map_err(|err| WebError::Engine(format!("password hashing task failed: {err}")))?
}

/// Whether the password matches the stored hash (parameters come from the hash).
pub(crate) async fn verify_password(hash: String, password: &str) -> bool {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the login name is unknown so that
/// unknown and known names take the same time to refuse.
pub(crate) fn decoy_hash(cost: PasswordCost) -> Result<String, WebError> {
    let secret = token::generate()?;
    argon2(cost)?
        .hash_password(secret.as_bytes())
        .map(|h| h.to_string())
        .map_err(|err| WebError::Engine(format!("password hashing failed: {err}")))
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    // Different lengths compare unequal (the length of a token is no secret).
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The logged-in user of a request, with the session's CSRF token.
#[derive(Debug, Clone)]
pub(crate) struct CurrentUser {
    pub user: User,
    pub csrf: String,
    pub token_hash: String,
}

impl CurrentUser {
    pub(crate) fn require_role(&self, allowed: &[Role]) -> Result<(), WebError> {
        if allowed.contains(&self.user.role) { Ok(()) } else { Err(WebError::Forbidden) }
    }

    /// Admins and practitioners: the staff who work on client records.
    pub(crate) fn require_staff(&self) -> Result<(), WebError> {
        self.require_role(&[Role::Admin, Role::Practitioner])
    }
}

/// The value of a named cookie of a request.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_owned())
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE)
}

/// Looks up the session for a request, if it has a live one.
pub(crate) async fn current_user(state: &AppState, headers: &HeaderMap) -> Result<Option<CurrentUser>, WebError> {
    let Some(token) = session_cookie(headers) else {
        return Ok(None);
    };
    let token_hash = token::hash(&token);
    let now = Timestamp::now();
    if let Some(session) = state.sessions.get(&token_hash, now) {
        return Ok(Some(CurrentUser { user: session.user, csrf: session.csrf_token, token_hash }));
    }
    let generation = state.sessions.generation();
    let session = state.store.session(&token_hash, now).await?;
    if let Some(session) = &session {
        state.sessions.insert(generation, &token_hash, session.clone());
    }
    Ok(session.map(|s| CurrentUser { user: s.user, csrf: s.csrf_token, token_hash }))
}

/// Sessions read from the store in the last second, so a burst of requests on one login reads
/// the store once. Every change this process makes to sessions or accounts (logout, password,
/// disabling, erasure) empties it at once; a change made by another process (a second server on
/// the same PostgreSQL, `tonus client erase`) takes effect within [`SessionCache::TTL`]. An
/// entry read before such a change is not kept (the generation check), and a session never
/// outlives its own expiry here.
#[derive(Debug, Default)]
pub(crate) struct SessionCache {
    entries: Mutex<HashMap<String, (Session, Instant)>>,
    generation: std::sync::atomic::AtomicU64,
}

impl SessionCache {
    pub(crate) const TTL: Duration = Duration::from_secs(1);
    /// Beyond this many logins at once the cache starts over rather than grow.
    const MAX_ENTRIES: usize = 10_000;

    fn get(&self, token_hash: &str, now: Timestamp) -> Option<Session> {
        let entries = self.entries.lock().unwrap_or_else(|poison| poison.into_inner());
        entries
            .get(token_hash)
            .filter(|(session, read)| read.elapsed() < Self::TTL && session.expires_at > now)
            .map(|(session, _)| session.clone())
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Keeps a session read when the cache was at `generation`, unless it was emptied since.
    fn insert(&self, generation: u64, token_hash: &str, session: Session) {
        let mut entries = self.entries.lock().unwrap_or_else(|poison| poison.into_inner());
        if self.generation() != generation {
            return;
        }
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(token_hash.to_owned(), (session, Instant::now()));
    }

    /// Forgets every session (after any change to sessions or accounts).
    pub(crate) fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|poison| poison.into_inner());
        self.generation.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        entries.clear();
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        // Inside the nested API router the path has lost its `/api` prefix; the original
        // URI still has it.
        let path = parts.extensions.get::<axum::extract::OriginalUri>().map_or(parts.uri.path(), |uri| uri.0.path());
        let api = path.starts_with("/api/");
        let me = current_user(state, &parts.headers).await?.ok_or(WebError::LoginRequired { api })?;
        // A password someone else chose opens only the way to change it (and to leave).
        let may_pass = matches!(path, "/account/password" | "/logout" | "/api/logout" | "/api/session");
        if me.user.must_change_password && !may_pass {
            return Err(WebError::PasswordChangeRequired { api });
        }
        Ok(me)
    }
}

/// An optional login, for pages that work either way.
#[derive(Debug)]
pub(crate) struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        Ok(Self(current_user(state, &parts.headers).await?))
    }
}

/// Normalises a login name as typed.
pub(crate) fn normalise_login(login: &str) -> String {
    login.trim().to_lowercase()
}

/// A successful login: the session cookie's value, its CSRF token, the account, and a device
/// cookie to set when the browser had none.
#[derive(Debug)]
pub(crate) struct LoggedIn {
    pub session_token: String,
    pub csrf: String,
    pub user: User,
    pub new_device: Option<String>,
}

/// Checks the password under the login limiter (`login_guard.rs`) and opens a session.
pub(crate) async fn authenticate(state: &AppState, login: &str, password: &str, mut origin: Origin) -> Result<LoggedIn, WebError> {
    let login = normalise_login(login);
    // A name longer than any account's is not looked up; it is limited and audited like any
    // other unknown name, by its hash.
    let credentials = if login.chars().count() <= MAX_LOGIN_LEN { state.store.credentials(&login).await? } else { None };
    let account = credentials.as_ref().map(|c| c.user.id);
    let attempt = Attempt::new(account, &login, origin.clone());
    let turn = attempt.turn(state).await;
    let now = Timestamp::now();
    attempt.check(state, credentials.as_ref().filter(|c| !c.user.disabled).map(|c| c.user.id), now).await?;
    let verified = match credentials {
        Some(c) if !c.user.disabled => verify_password(c.password_hash, password).await.then_some(c.user),
        _ => {
            // Unknown names and disabled accounts take as long to refuse as a wrong password.
            verify_password(state.decoy_hash.clone(), password).await;
            None
        }
    };
    let Some(user) = verified else {
        attempt.failed(state, now).await?;
        drop(turn);
        crate::audit::record(state, None, Action::LoginFailed, RecordKind::User, &login_guard::audit_target(account, &login), "").await?;
        return Err(WebError::BadRequest("unknown login or wrong password".into()));
    };
    let new_device = match origin.device {
        Some(_) => None,
        None => Some(token::generate()?),
    };
    origin.device = origin.device.or_else(|| new_device.clone());
    Attempt::new(Some(user.id), &login, origin).succeeded(state, user.id, now).await?;
    drop(turn);
    let session_token = token::generate()?;
    let csrf = token::generate()?;
    state
        .store
        .create_session(NewSession {
            token_hash: token::hash(&session_token),
            user: user.id,
            csrf_token: csrf.clone(),
            expires_at: now.plus_seconds(state.settings.session_ttl_secs),
        })
        .await?;
    crate::audit::record(state, Some(user.id), Action::Login, RecordKind::User, &user.id.to_string(), "").await?;
    Ok(LoggedIn { session_token, csrf, user, new_device })
}

/// The `Set-Cookie` value of the device cookie that marks this browser as one the account uses.
pub(crate) fn device_cookie(state: &AppState, value: &str) -> HeaderValue {
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    let text = format!("{DEVICE_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", ORIGIN_MEMORY_DAYS * 86_400);
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("tonus_device=; Max-Age=0"))
}

/// Adds the session cookie (and a new device cookie) of a login to a response.
fn set_login_cookies(state: &AppState, response: &mut Response, logged_in: &LoggedIn) {
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, cookie(state, Some(&logged_in.session_token)));
    if let Some(device) = &logged_in.new_device {
        headers.append(header::SET_COOKIE, device_cookie(state, device));
    }
}

/// The `Set-Cookie` value that stores or clears the session.
pub(crate) fn cookie(state: &AppState, value: Option<&str>) -> HeaderValue {
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    let text = match value {
        Some(token) => {
            format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", state.settings.session_ttl_secs)
        }
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("tonus_session=; Max-Age=0"))
}

#[derive(Template)]
#[template(path = "session/login.html")]
struct LoginPage {
    layout: Layout,
    login: String,
    error: Option<String>,
    next: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// Only same-site relative paths may be redirect targets: a `/` followed by anything but a
/// second `/`, made of printable ASCII without backslashes. Browsers drop tabs and line breaks
/// from URLs (`/\t/evil.example` becomes `//evil.example`, another site) and treat `\` as `/`,
/// so any control character, space, backslash or non-ASCII byte sends the user to `/` instead.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path[1..].starts_with('/')
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
                && path.parse::<axum::http::uri::PathAndQuery>().is_ok() =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

pub(crate) async fn login_form(Query(query): Query<NextQuery>) -> Result<Html<String>, WebError> {
    let page = LoginPage { layout: Layout::anonymous("Log in"), login: String::new(), error: None, next: safe_next(query.next.as_deref()) };
    Ok(Html(page.render()?))
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(form.next.as_deref());
    match authenticate(&state, &form.login, &form.password, origin).await {
        Ok(logged_in) => {
            let mut response = Redirect::to(&next).into_response();
            set_login_cookies(&state, &mut response, &logged_in);
            Ok(response)
        }
        Err(err @ (WebError::BadRequest(_) | WebError::TooManyAttempts { .. })) => {
            let mut login = form.login;
            // Echo back only what could be a login name: never a pasted password or a page.
            if login.chars().count() > MAX_LOGIN_LEN {
                login.clear();
            }
            let page = LoginPage { layout: Layout::anonymous("Log in"), login, error: Some(err.public_message()), next };
            let mut response = (err.status(), Html(page.render()?)).into_response();
            err.add_headers(&mut response);
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[allow(dead_code, reason = "checked by the CsrfForm extractor")]
    csrf: String,
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    crate::form::CsrfForm(user, _): crate::form::CsrfForm<CsrfOnly>,
) -> Result<Response, WebError> {
    state.store.delete_session(&user.token_hash).await?;
    state.sessions.clear();
    crate::audit::record(&state, Some(user.user.id), Action::Logout, RecordKind::User, &user.user.id.to_string(), "").await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie(&state, None));
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ApiLogin {
    /// The account's login name.
    #[schema(max_length = 64)]
    login: String,
    /// Its password.
    #[schema(format = Password, max_length = 128)]
    password: String,
}

/// `POST /api/login`: the session cookie is set; the reply holds the CSRF token.
#[utoipa::path(post, path = "/api/login", tag = "session", security(()), request_body = ApiLogin, responses(
    (status = 200, description = "Logged in: the session cookie is set; send csrf_token as X-CSRF-Token on every write", body = crate::api::SessionReply),
    (status = 400, description = "The body is not JSON", body = crate::api::ErrorBody),
    (status = 413, description = "The body is over 16 KiB", body = crate::api::ErrorBody),
    (status = 415, description = "The body is not sent as application/json", body = crate::api::ErrorBody),
    (status = 401, description = "Unknown login or wrong password", body = crate::api::ErrorBody),
    (status = 422, description = "A field is missing", body = crate::api::ErrorBody),
    (status = 429, description = "Too many failed logins: try again after Retry-After seconds", body = crate::api::ErrorBody),
    (status = 507, description = "The clinic's storage is full: the session could not be stored", body = crate::api::ErrorBody),
))]
pub(crate) async fn api_login(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    Json(body): Json<ApiLogin>,
) -> Result<Response, ApiError> {
    // Wrong credentials are an authentication failure here (401), not a form to correct.
    let logged_in = authenticate(&state, &body.login, &body.password, origin).await.map_err(|e| match e {
        WebError::BadRequest(message) => WebError::BadCredentials(message),
        other => other,
    })?;
    let reply = crate::api::SessionReply { user: logged_in.user.clone(), csrf_token: logged_in.csrf.clone() };
    let mut response = Json(reply).into_response();
    set_login_cookies(&state, &mut response, &logged_in);
    Ok(response)
}

#[derive(Template)]
#[template(path = "session/password.html")]
struct PasswordPage {
    layout: Layout,
    error: Option<String>,
    done: bool,
    /// Someone else chose the current password: nothing else opens until it is changed.
    required: bool,
}

/// `/account/password`: every account changes its own password here.
pub(crate) async fn password_form(me: CurrentUser) -> Result<Html<String>, WebError> {
    let page =
        PasswordPage { layout: Layout::for_user("Change password", &me), error: None, done: false, required: me.user.must_change_password };
    Ok(Html(page.render()?))
}

#[derive(Debug, Deserialize)]
pub(crate) struct PasswordChange {
    current: String,
    password: String,
    confirm: String,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    crate::form::CsrfForm(me, form): crate::form::CsrfForm<PasswordChange>,
) -> Result<Response, WebError> {
    let result = async {
        let credentials = state.store.credentials(&me.user.login).await?.ok_or(WebError::NotFound)?;
        if !verify_password(credentials.password_hash, &form.current).await {
            return Err(WebError::BadRequest("current password: it does not match".into()));
        }
        if form.password != form.confirm {
            return Err(WebError::BadRequest("new password: the two entries differ".into()));
        }
        if me.user.must_change_password && form.password == form.current {
            return Err(WebError::BadRequest("new password: choose your own, not the one you were given".into()));
        }
        let hash = hash_password(state.settings.password_cost, &form.password, &me.user.login).await?;
        // This ends every session of the account, this one included; open a fresh one.
        state.store.set_password_hash(me.user.id, &hash, false).await?;
        state.sessions.clear();
        let session_token = token::generate()?;
        state
            .store
            .create_session(NewSession {
                token_hash: token::hash(&session_token),
                user: me.user.id,
                csrf_token: token::generate()?,
                expires_at: Timestamp::now().plus_seconds(state.settings.session_ttl_secs),
            })
            .await?;
        crate::audit::record(&state, Some(me.user.id), Action::ChangePassword, RecordKind::User, &me.user.id.to_string(), "").await?;
        Ok::<_, WebError>(session_token)
    }
    .await;
    match result {
        Ok(session_token) => {
            let fresh = current_user_for(&state, &session_token).await?.unwrap_or(me);
            let page = PasswordPage { layout: Layout::for_user("Change password", &fresh), error: None, done: true, required: false };
            let mut response = Html(page.render()?).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie(&state, Some(&session_token)));
            Ok(response)
        }
        Err(WebError::BadRequest(message)) => {
            let required = me.user.must_change_password;
            let page = PasswordPage { layout: Layout::for_user("Change password", &me), error: Some(message), done: false, required };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(other) => Err(other),
    }
}

async fn current_user_for(state: &AppState, session_token: &str) -> Result<Option<CurrentUser>, WebError> {
    let token_hash = token::hash(session_token);
    let session = state.store.session(&token_hash, Timestamp::now()).await?;
    Ok(session.map(|s| CurrentUser { user: s.user, csrf: s.csrf_token, token_hash }))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::safe_next;

    /// What a browser makes of a `Location` path: tabs and line breaks dropped, `\` read as `/`.
    fn as_browser_reads(location: &str) -> String {
        location.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).map(|c| if c == '\\' { '/' } else { c }).collect()
    }

    proptest! {
        #[test]
        fn redirect_targets_stay_on_this_site(next in "[/\\\\\t\r\n a-z.:%?=#@\u{e9}\u{0}]{0,12}") {
            let target = safe_next(Some(&next));
            let read = as_browser_reads(&target);
            prop_assert!(read.starts_with('/') && !read.starts_with("//"), "{next:?} became {target:?}");
            prop_assert!(axum::http::HeaderValue::from_str(&target).is_ok(), "{target:?} is not a header value");
        }
    }

    #[test]
    fn plain_paths_are_kept() {
        assert_eq!(safe_next(Some("/clients/42?tab=plan#x")), "/clients/42?tab=plan#x");
        assert_eq!(safe_next(None), "/");
    }
}
