//! Client pages: the searchable list, the client's page with its timeline, notes, share
//! links, the client's own login, export and erasure.
//!
//! Every handler loads the record through `access`, so a practitioner never reaches another
//! practitioner's private client and a client account never reaches staff pages.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tonus_clinic::{Action, RecordKind};
use tonus_store::{
    AssessmentStatus, Client, ClientId, ClientQuery, ClientUpdate, ListedClient, NewClient, NewNote, NewShareLink, NewUser, Role,
    ShareLinkId, Timestamp, UserId, token,
};

use crate::access::{self, Access, parse_id};
use crate::auth::{self, CurrentUser, normalise_login};
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::format;
use crate::pages::Layout;
use crate::state::AppState;

pub(crate) struct ClientRow {
    pub id: String,
    pub name: String,
    pub reference: String,
    pub shared: bool,
    pub owner: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "clients/list.html")]
struct ClientsPage {
    layout: Layout,
    q: String,
    rows: Vec<ClientRow>,
    pager: Pager,
    error: Option<String>,
    /// Records with the name just typed: (id, name, reference).
    duplicates: Vec<(String, String, String)>,
    /// What was typed for the new client: name, reference, shared.
    typed: Option<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "clients/rows.html")]
struct ClientRows {
    rows: Vec<ClientRow>,
    pager: Pager,
}

/// Clients shown per page of the list. A clinic with a thousand clients otherwise reads and
/// renders every one of them on each visit.
const PAGE_SIZE: i64 = 50;

/// Where a page of the client list sits among the matching clients.
struct Pager {
    /// Position of the first and last client shown (1-based) and how many match.
    first: i64,
    last: i64,
    total: i64,
    /// Links to the neighbouring pages, with the search kept.
    previous: Option<String>,
    next: Option<String>,
}

impl Pager {
    fn new(q: &str, page: i64, shown: usize, total: i64) -> Self {
        let first = (page - 1) * PAGE_SIZE + 1;
        let link = |page: i64| {
            let query = if q.is_empty() {
                serde_urlencoded::to_string([("page", page.to_string())])
            } else {
                serde_urlencoded::to_string([("q", q.to_owned()), ("page", page.to_string())])
            };
            query.map(|query| format!("/clients?{query}")).ok()
        };
        let last = first + shown as i64 - 1;
        Self {
            first,
            last,
            total,
            previous: if page > 1 { link(page - 1) } else { None },
            next: if last < total { link(page + 1) } else { None },
        }
    }

    fn has_pages(&self) -> bool {
        self.previous.is_some() || self.next.is_some()
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SearchQuery {
    q: Option<String>,
    /// 1-based page of the list; past the end shows the last page.
    page: Option<u32>,
}

/// Which clients a staff member may see, matching the search.
pub(crate) fn visible_query(me: &CurrentUser, search: Option<String>) -> Result<ClientQuery, WebError> {
    me.require_staff()?;
    let visible_to = match me.user.role {
        Role::Admin => None,
        _ => Some(me.user.id),
    };
    Ok(ClientQuery { visible_to, search, ..ClientQuery::default() })
}

/// All the clients a staff member may see, matching the search.
pub(crate) async fn visible_clients(state: &AppState, me: &CurrentUser, search: Option<String>) -> Result<Vec<Client>, WebError> {
    Ok(state.store.clients(&visible_query(me, search)?).await?)
}

/// One page of the clients a staff member may see, matching the search.
async fn listed_clients(state: &AppState, me: &CurrentUser, q: &str, page: Option<u32>) -> Result<(Vec<ListedClient>, Pager), WebError> {
    let mut query = visible_query(me, Some(q.to_owned()))?;
    query.limit = Some(PAGE_SIZE);
    let mut page = i64::from(page.unwrap_or(1)).max(1);
    query.offset = (page - 1) * PAGE_SIZE;
    let mut listed = state.store.listed_clients(&query).await?;
    if listed.clients.is_empty() && listed.total > 0 {
        // Past the end (the list shrank, or a hand-typed page): show the last page.
        page = (listed.total + PAGE_SIZE - 1) / PAGE_SIZE;
        query.offset = (page - 1) * PAGE_SIZE;
        listed = state.store.listed_clients(&query).await?;
    }
    let pager = Pager::new(q, page, listed.clients.len(), listed.total);
    Ok((listed.clients, pager))
}

fn rows(clients: Vec<ListedClient>) -> Vec<ClientRow> {
    clients
        .into_iter()
        .map(|ListedClient { client: c, owner_name }| ClientRow {
            id: c.id.to_string(),
            owner: owner_name,
            name: c.display_name,
            reference: c.reference.unwrap_or_default(),
            shared: c.shared_with_clinic,
            updated: format::date(c.updated_at),
        })
        .collect()
}

pub(crate) async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Query(query): Query<SearchQuery>,
) -> Result<Html<String>, WebError> {
    let q = query.q.unwrap_or_default();
    let (clients, pager) = listed_clients(&state, &me, &q, query.page).await?;
    let rows = rows(clients);
    // htmx asks for the table rows only while the user types in the search box.
    if headers.contains_key("hx-request") {
        return Ok(Html(ClientRows { rows, pager }.render()?));
    }
    let page = ClientsPage { layout: Layout::for_user("Clients", &me), q, rows, pager, error: None, duplicates: Vec::new(), typed: None };
    Ok(Html(page.render()?))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ClientForm {
    display_name: String,
    reference: Option<String>,
    shared: Option<String>,
    /// Set when the practitioner confirmed adding a client whose name another record has.
    confirm_duplicate: Option<String>,
}

pub(crate) async fn create(State(state): State<AppState>, CsrfForm(me, form): CsrfForm<ClientForm>) -> Result<Response, WebError> {
    me.require_staff()?;
    if form.display_name.trim().is_empty() {
        let (clients, pager) = listed_clients(&state, &me, "", None).await?;
        let rows = rows(clients);
        let error = Some("name: must not be empty".into());
        let page = ClientsPage {
            layout: Layout::for_user("Clients", &me),
            q: String::new(),
            rows,
            pager,
            error,
            duplicates: Vec::new(),
            typed: None,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    }
    // The same name as a record already here: say so, and add it only when confirmed.
    let duplicates = crate::client_details::same_name(&state, &me, &form.display_name).await?;
    if !duplicates.is_empty() && form.confirm_duplicate.as_deref() != Some("yes") {
        let (clients, pager) = listed_clients(&state, &me, "", None).await?;
        let page = ClientsPage {
            layout: Layout::for_user("Clients", &me),
            q: String::new(),
            rows: rows(clients),
            pager,
            error: None,
            duplicates,
            typed: Some((form.display_name, form.reference.unwrap_or_default(), form.shared.is_some())),
        };
        return Ok((StatusCode::CONFLICT, Html(page.render()?)).into_response());
    }
    let client = state
        .store
        .create_client(NewClient {
            owner: me.user.id,
            display_name: form.display_name,
            reference: form.reference,
            shared_with_clinic: form.shared.is_some(),
        })
        .await?;
    crate::audit::record(&state, Some(me.user.id), Action::Create, RecordKind::Client, &client.id.to_string(), "").await?;
    Ok(Redirect::to(&format!("/clients/{}", client.id)).into_response())
}

struct TimelineItem {
    date: String,
    complete: bool,
    href: String,
    by: String,
}

struct NoteItem {
    date: String,
    by: String,
    body: String,
}

struct LinkItem {
    id: String,
    expires: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "clients/show.html")]
struct ClientPage {
    layout: Layout,
    id: String,
    name: String,
    reference: String,
    shared: bool,
    owner: String,
    can_write: bool,
    has_login: bool,
    login_name: String,
    timeline: Vec<TimelineItem>,
    notes: Vec<NoteItem>,
    links: Vec<LinkItem>,
    share_days: &'static [i64],
    share_default_days: i64,
    audit: Vec<String>,
    desk: Vec<DeskDayRow>,
    self_reported: Option<String>,
    /// The client's ticks and pain check-ins, this week first.
    home: Vec<crate::home::HomeWeek>,
    /// Date of birth, contact and consent.
    details: crate::client_details::DetailsView,
    error: Option<String>,
}

/// One day the client's desk page measured, as the therapist reads it.
struct DeskDayRow {
    day: String,
    sitting: String,
    longest: String,
    breaks: String,
    within: String,
    exercises: i64,
}

fn minutes(ms: i64) -> String {
    let m = (ms + 30_000) / 60_000;
    if m >= 60 { format!("{} h {:02} min", m / 60, m % 60) } else { format!("{m} min") }
}

/// The last fortnight of measured desk days, newest first, and what the latest intake reported
/// for the same things, side by side on the client page.
async fn desk_exposure(state: &AppState, client: &Client) -> Result<(Vec<DeskDayRow>, Option<String>), WebError> {
    let since = format::date(Timestamp(Timestamp::now().0 - 14 * 86_400_000));
    let until = format::date(Timestamp(Timestamp::now().0 + 86_400_000));
    let days = state
        .store
        .desk_days(client.id, &since)
        .await?
        .into_iter()
        // A day after tomorrow is none the page measured (a client's clock far off).
        .filter(|d| d.day <= until)
        .rev()
        .map(|d| DeskDayRow {
            sitting: minutes(d.sitting_ms),
            longest: minutes(d.longest_bout_ms),
            breaks: format!("{} taken, {} prompted", d.breaks_taken, d.breaks_offered),
            within: if d.readable_ms > 0 {
                format!("{} %", (100 * d.within_ms + d.readable_ms / 2) / d.readable_ms)
            } else {
                "—".to_owned()
            },
            exercises: d.exercises_done,
            day: d.day,
        })
        .collect();
    let assessments = state.store.assessments_for(client.id).await?;
    let intake =
        assessments.iter().rev().filter(|a| a.status == AssessmentStatus::Complete).find_map(|a| state.clinic.intake_of(a).ok().flatten());
    let reported = intake.map(|i| {
        let bout = i.exposure.longest_bout_min.map_or_else(|| "not given".to_owned(), |m| format!("{m:.0} min"));
        let breaks = i.exposure.break_every_min.map_or_else(|| "none".to_owned(), |m| format!("every {m:.0} min"));
        format!("Reported in the intake of {}: longest unbroken sitting {bout}, breaks {breaks}.", i.assessed_on)
    });
    Ok((days, reported))
}

pub(crate) async fn client_page(
    state: &AppState,
    me: &CurrentUser,
    client: Client,
    error: Option<String>,
) -> Result<Html<String>, WebError> {
    let users = state.store.users().await?;
    let name_of = |id: UserId| users.iter().find(|u| u.id == id).map_or_else(|| "former account".to_owned(), |u| u.display_name.clone());
    let can_write = access::client_access(me, &client) == Some(Access::Write);
    // Newest first by the day each assessment took place ("Assessed on"), which may be earlier
    // than the day it was entered; drafts without a valid intake go by when they were saved.
    let mut timeline: Vec<(String, TimelineItem)> = state
        .store
        .assessments_for(client.id)
        .await?
        .into_iter()
        .map(|a| {
            let complete = a.status == AssessmentStatus::Complete;
            let entered = a.completed_at.unwrap_or(a.updated_at);
            let (day, date) = match state.clinic.assessed_on(&a) {
                Some(day) if day != format::date(entered) => (day.clone(), format!("{day} (entered {})", format::datetime(entered))),
                Some(day) => (day, format::datetime(entered)),
                None => (format::date(entered), format::datetime(entered)),
            };
            let item = TimelineItem {
                date,
                href: if complete { format!("/assessments/{}", a.id) } else { format!("/assessments/{}/edit", a.id) },
                complete,
                by: name_of(a.created_by),
            };
            (format!("{day} {}", entered.0), item)
        })
        .collect();
    timeline.sort_by(|a, b| b.0.cmp(&a.0));
    let timeline: Vec<TimelineItem> = timeline.into_iter().map(|(_, item)| item).collect();
    let notes = state
        .store
        .notes_for(client.id)
        .await?
        .into_iter()
        .rev()
        .map(|n| NoteItem { date: format::datetime(n.created_at), by: name_of(n.author), body: n.body })
        .collect();
    let now = Timestamp::now();
    let links = state
        .store
        .share_links_for(client.id)
        .await?
        .into_iter()
        .rev()
        .map(|l| LinkItem { id: l.id.to_string(), expires: format::datetime(l.expires_at), active: l.is_active(now) })
        .collect();
    let audit = state
        .store
        .audit_for(&client.id.to_string(), 20)
        .await?
        .into_iter()
        .map(|e| format!("{} · {} · {}", format::datetime(e.at), e.actor.map_or_else(|| "anonymous".to_owned(), name_of), e.action))
        .collect();
    let login_name = match client.user {
        Some(id) => users.iter().find(|u| u.id == id).map_or_else(String::new, |u| u.login.clone()),
        None => String::new(),
    };
    let (desk, self_reported) = desk_exposure(state, &client).await?;
    let home = crate::home::summary(state, &client).await?;
    let details = crate::client_details::view(state, &client).await?;
    let page = ClientPage {
        layout: Layout::for_user(&client.display_name, me),
        id: client.id.to_string(),
        owner: name_of(client.owner),
        name: client.display_name,
        reference: client.reference.unwrap_or_default(),
        shared: client.shared_with_clinic,
        can_write,
        has_login: client.user.is_some(),
        login_name,
        timeline,
        notes,
        links,
        share_days: &SHARE_DAYS,
        // The configured lifetime, when it is one of the choices; else the nearest longer one.
        share_default_days: SHARE_DAYS
            .iter()
            .copied()
            .find(|d| d * 86_400 >= state.settings.share_link_ttl_secs)
            .unwrap_or(SHARE_DAYS[SHARE_DAYS.len() - 1]),
        audit,
        desk,
        self_reported,
        home,
        details,
        error,
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn show(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Html<String>, WebError> {
    me.require_staff()?;
    let client = access::view_client(&state, &me, &id, RecordKind::Client, "").await?;
    client_page(&state, &me, client, None).await
}

pub(crate) async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, form): CsrfForm<ClientForm>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    if form.display_name.trim().is_empty() {
        let page = client_page(&state, &me, client, Some("name: must not be empty".into())).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state
        .store
        .update_client(
            client.id,
            ClientUpdate { display_name: form.display_name, reference: form.reference, shared_with_clinic: form.shared.is_some() },
        )
        .await?;
    crate::audit::record(&state, Some(me.user.id), Action::Update, RecordKind::Client, &client.id.to_string(), "").await?;
    Ok(Redirect::to(&format!("/clients/{}", client.id)).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct NoteForm {
    body: String,
}

pub(crate) async fn add_note(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, form): CsrfForm<NoteForm>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    if form.body.trim().is_empty() {
        let page = client_page(&state, &me, client, Some("note: must not be empty".into())).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let note = state.store.add_note(NewNote { client: client.id, assessment: None, author: me.user.id, body: form.body }).await?;
    crate::audit::record(&state, Some(me.user.id), Action::Create, RecordKind::Note, &client.id.to_string(), &note.id.to_string()).await?;
    Ok(Redirect::to(&format!("/clients/{}", client.id)).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct AccountForm {
    login: String,
    password: String,
}

pub(crate) async fn create_account(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, form): CsrfForm<AccountForm>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let login = normalise_login(&form.login);
    let result = async {
        crate::setup::check_account(&login, &client.display_name, &form.password, &form.password)?;
        let password_hash = auth::hash_password(state.settings.password_cost, &form.password, &login).await?;
        state
            .store
            .create_client_account(
                client.id,
                NewUser {
                    login: login.clone(),
                    display_name: client.display_name.clone(),
                    role: Role::Client,
                    password_hash,
                    must_change_password: true,
                },
            )
            .await
            .map_err(|err| match err {
                tonus_store::StoreError::Conflict => {
                    WebError::BadRequest(format!("login name: {login} is taken, or the client already has a login"))
                }
                other => other.into(),
            })
    }
    .await;
    match result {
        Ok(user) => {
            crate::audit::record(&state, Some(me.user.id), Action::Create, RecordKind::User, &user.id.to_string(), "client login").await?;
            Ok(Redirect::to(&format!("/clients/{}", client.id)).into_response())
        }
        Err(WebError::BadRequest(message)) => {
            let page = client_page(&state, &me, client, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Template)]
#[template(path = "clients/share_created.html")]
struct ShareCreatedPage {
    layout: Layout,
    client_id: String,
    path: String,
    expires: String,
    /// The link as a QR code (inline SVG), for the client's phone.
    qr_svg: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Empty {}

/// How long a new share link lasts, as the therapist chose.
#[derive(Debug, Deserialize)]
pub(crate) struct ShareForm {
    days: Option<String>,
}

/// The expiry choices, in days.
pub(crate) const SHARE_DAYS: [i64; 5] = [1, 7, 14, 30, 90];

/// The link as an SVG QR code (medium error correction, dark on white).
fn qr_svg(link: &str) -> Result<String, WebError> {
    let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| WebError::BadRequest(format!("the link does not fit a QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

pub(crate) async fn create_share_link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    CsrfForm(me, form): CsrfForm<ShareForm>,
) -> Result<Html<String>, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let ttl_secs = match form.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => state.settings.share_link_ttl_secs,
        Some(text) => match text.parse::<i64>() {
            Ok(days) if SHARE_DAYS.contains(&days) => days * 86_400,
            _ => return Err(WebError::BadRequest(format!("days: choose one of {SHARE_DAYS:?} days"))),
        },
    };
    let secret = token::generate()?;
    let link = state
        .store
        .create_share_link(NewShareLink {
            client: client.id,
            token_hash: token::hash(&secret),
            created_by: me.user.id,
            expires_at: Timestamp::now().plus_seconds(ttl_secs),
        })
        .await?;
    crate::audit::record(&state, Some(me.user.id), Action::Create, RecordKind::ShareLink, &client.id.to_string(), &link.id.to_string())
        .await?;
    let path = format!("{}/share/{secret}", public_base(&state, &headers));
    let page = ShareCreatedPage {
        layout: Layout::for_user("Share link", &me),
        client_id: client.id.to_string(),
        qr_svg: qr_svg(&path)?,
        path,
        expires: format::datetime(link.expires_at),
    };
    Ok(Html(page.render()?))
}

pub(crate) async fn revoke_share_link(
    State(state): State<AppState>,
    Path((id, link)): Path<(String, String)>,
    CsrfForm(me, _): CsrfForm<Empty>,
) -> Result<Redirect, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let link: ShareLinkId = parse_id(&link)?;
    if !state.store.share_links_for(client.id).await?.iter().any(|l| l.id == link) {
        return Err(WebError::NotFound);
    }
    state.store.revoke_share_link(link).await?;
    crate::audit::record(&state, Some(me.user.id), Action::Revoke, RecordKind::ShareLink, &client.id.to_string(), &link.to_string())
        .await?;
    Ok(Redirect::to(&format!("/clients/{}", client.id)))
}

/// The whole record as a JSON download.
pub(crate) async fn export(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Response, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let bytes = state.clinic.export(tonus_clinic::Actor::user(me.user.id), client.id, tonus_clinic::ExportFormat::Json, "").await?;
    let mut response = bytes.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let disposition = format!("attachment; filename=\"tonus-client-{}.json\"", client.id);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "clients/erase.html")]
struct ErasePage {
    layout: Layout,
    id: String,
    name: String,
    error: Option<String>,
}

pub(crate) async fn erase_form(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Html<String>, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    let page =
        ErasePage { layout: Layout::for_user("Erase client", &me), id: client.id.to_string(), name: client.display_name, error: None };
    Ok(Html(page.render()?))
}

#[derive(Debug, Deserialize)]
pub(crate) struct EraseForm {
    confirm_name: String,
}

pub(crate) async fn erase(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, form): CsrfForm<EraseForm>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Write).await?;
    if form.confirm_name.trim() != client.display_name {
        let page = ErasePage {
            layout: Layout::for_user("Erase client", &me),
            id: client.id.to_string(),
            name: client.display_name,
            error: Some("confirmation: type the client's name exactly as shown".into()),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    }
    erase_record(&state, &me, client.id).await?;
    Ok(Redirect::to("/clients").into_response())
}

/// Erases a client (already access-checked) and records that it happened.
pub(crate) async fn erase_record(state: &AppState, me: &CurrentUser, id: ClientId) -> Result<tonus_store::Erasure, WebError> {
    let erased = state.clinic.erase(tonus_clinic::Actor::user(me.user.id), id, "").await?;
    // The client's own login went with the record.
    state.sessions.clear();
    Ok(erased)
}

/// The address the app's links start with: `serve.public_url`, else the request's host (with
/// `https` behind HTTPS).
pub(crate) fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    match &state.settings.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
            format!("{}://{host}", if state.settings.secure_cookies { "https" } else { "http" })
        }
    }
}
