//! The read-only FHIR R4 endpoint under `/fhir`, and the client page's FHIR download.
//!
//! `GET /fhir/metadata` (the CapabilityStatement, public as FHIR asks), `GET
//! /fhir/Patient/{id}`, `GET /fhir/Patient/{id}/$everything` (the client's whole record with
//! photos, as a searchset Bundle) and `GET /fhir/Observation?patient=…&code=…`. Every
//! request but `metadata` needs a staff login (the session cookie, as the JSON API) with read
//! access to the client, exactly as the client page; each is audited as a view of the client.
//! Errors are `OperationOutcome`s with the HTTP status. Resources come from
//! `tonus_clinic::fhir`, the same mapping as the export. Left out on purpose: writes, `_format`
//! and XML, history and paging (a record is one client's, and small).

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use tonus_clinic::fhir::r4::{
    Bundle, BundleLink, CapabilityStatement, EntrySearch, Implementation, Interaction, Operation, OperationOutcome, Resource, Rest,
    RestResource, RestSecurity, SearchParam, Software,
};
use tonus_clinic::{Actor, ExportFormat};

use crate::access::{self, Access, parse_id};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::pages::Layout;
use crate::state::AppState;

const FHIR_JSON: &str = "application/fhir+json";

/// A FHIR answer: the resource as `application/fhir+json`.
fn fhir_json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec_pretty(body) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
            response
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A failed FHIR request, answered as an OperationOutcome.
#[derive(Debug)]
pub(crate) struct FhirError(WebError);

impl<E: Into<WebError>> From<E> for FhirError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let code = match status {
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::UNAUTHORIZED => "login",
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "invalid",
            _ => "exception",
        };
        fhir_json(status, &OperationOutcome::error(code, self.0.public_message()))
    }
}

/// The login, or an OperationOutcome saying to log in (never a redirect to the login page).
fn staff(me: Result<CurrentUser, WebError>) -> Result<CurrentUser, FhirError> {
    let me = me.map_err(|e| match e {
        WebError::LoginRequired { .. } => WebError::LoginRequired { api: true },
        WebError::PasswordChangeRequired { .. } => WebError::PasswordChangeRequired { api: true },
        other => other,
    })?;
    me.require_staff()?;
    Ok(me)
}

/// `GET /fhir/metadata`.
pub(crate) async fn metadata() -> Response {
    let statement = CapabilityStatement {
        resource_type: "CapabilityStatement".into(),
        status: "active".into(),
        date: "2026-11-30".into(),
        kind: "instance".into(),
        software: Software { name: "Tonus".into(), version: env!("CARGO_PKG_VERSION").into() },
        implementation: Implementation { description: "This Tonus clinic server's read-only FHIR endpoint".into() },
        fhir_version: "4.0.1".into(),
        format: vec!["json".into(), FHIR_JSON.into()],
        rest: vec![Rest {
            mode: "server".into(),
            security: RestSecurity {
                description: "Read-only. Log in as staff (POST /api/login) and send the session cookie; a practitioner reads \
                              their own clients and the clinic's shared ones, as in the app. Every read is audited."
                    .into(),
            },
            resource: vec![
                RestResource {
                    kind: "Patient".into(),
                    interaction: vec![Interaction { code: "read".into() }],
                    search_param: Vec::new(),
                    operation: vec![Operation {
                        name: "everything".into(),
                        definition: "http://hl7.org/fhir/OperationDefinition/Patient-everything".into(),
                    }],
                },
                RestResource {
                    kind: "Observation".into(),
                    interaction: vec![Interaction { code: "search-type".into() }],
                    search_param: vec![
                        SearchParam {
                            name: "patient".into(),
                            kind: "reference".into(),
                            documentation: Some("Required: the client's id, or Patient/id".into()),
                        },
                        SearchParam {
                            name: "code".into(),
                            kind: "token".into(),
                            documentation: Some("A code, or system|code; several separated by commas".into()),
                        },
                    ],
                    operation: Vec::new(),
                },
            ],
        }],
    };
    fhir_json(StatusCode::OK, &statement)
}

/// A staff member's read of one client's record as a Bundle, after the app's access check;
/// `detail` goes into the audit line.
/// Its references are rewritten as a server names resources (`Type/id`, full URLs under
/// `{base}/fhir/`).
async fn record(
    state: &AppState,
    me: Result<CurrentUser, WebError>,
    headers: &HeaderMap,
    id: &str,
    with_photos: bool,
    detail: &str,
) -> Result<(tonus_store::ClientId, Bundle), FhirError> {
    let me = staff(me)?;
    let client = access::client(state, &me, parse_id(id)?, Access::Read).await?;
    let mut bundle = state.clinic.fhir_record(Actor::user(me.user.id), client.id, with_photos, detail).await?;
    rest_names(&mut bundle, &crate::clients::public_base(state, headers))?;
    Ok((client.id, bundle))
}

/// Rewrites the export's `urn:uuid:` references as `Type/id` and its full URLs as
/// `{base}/fhir/Type/id`, which is how a server's answers name what they hold.
fn rest_names(bundle: &mut Bundle, base: &str) -> Result<(), WebError> {
    let types: std::collections::HashMap<String, &'static str> =
        bundle.entry.iter().map(|e| (format!("urn:uuid:{}", e.resource.id()), e.resource.type_name())).collect();
    fn walk(v: &mut serde_json::Value, types: &std::collections::HashMap<String, &'static str>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    match v {
                        serde_json::Value::String(s) if k == "reference" => {
                            if let Some(kind) = types.get(s.as_str()) {
                                *s = format!("{kind}/{}", s.trim_start_matches("urn:uuid:"));
                            }
                        }
                        other => walk(other, types),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, types)),
            _ => {}
        }
    }
    for entry in &mut bundle.entry {
        let mut value = serde_json::to_value(&entry.resource).map_err(|e| WebError::Engine(format!("the FHIR answer: {e}")))?;
        walk(&mut value, &types);
        entry.resource = serde_json::from_value(value).map_err(|e| WebError::Engine(format!("the FHIR answer: {e}")))?;
        entry.full_url = format!("{base}/fhir/{}/{}", entry.resource.type_name(), entry.resource.id());
    }
    Ok(())
}

/// `GET /fhir/Patient/{id}`.
pub(crate) async fn patient(
    State(state): State<AppState>,
    me: Result<CurrentUser, WebError>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let (_, bundle) = record(&state, me, &headers, &id, false, "Patient read").await?;
    let patient = bundle.entry.into_iter().find(|e| matches!(e.resource, Resource::Patient(_))).ok_or(WebError::NotFound)?;
    Ok(fhir_json(StatusCode::OK, &patient.resource))
}

/// `GET /fhir/Patient/{id}/$everything`: the record, photos included, as a searchset.
pub(crate) async fn everything(
    State(state): State<AppState>,
    me: Result<CurrentUser, WebError>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let (client, bundle) = record(&state, me, &headers, &id, true, "$everything").await?;
    Ok(fhir_json(StatusCode::OK, &searchset(bundle, format!("Patient/{client}/$everything"), |_| true)))
}

/// The query of an Observation search.
#[derive(Debug, Deserialize)]
pub(crate) struct ObservationQuery {
    patient: Option<String>,
    code: Option<String>,
}

/// `GET /fhir/Observation?patient=…&code=…`.
pub(crate) async fn observations(
    State(state): State<AppState>,
    me: Result<CurrentUser, WebError>,
    headers: HeaderMap,
    Query(q): Query<ObservationQuery>,
) -> Result<Response, FhirError> {
    let me = staff(me)?;
    let Some(patient) = q.patient.as_deref().map(|p| p.strip_prefix("Patient/").unwrap_or(p)) else {
        return Err(WebError::BadRequest("patient: the client's id is required (a search covers one client's record)".into()).into());
    };
    let codes: Vec<(Option<&str>, &str)> = q
        .code
        .as_deref()
        .map(|c| c.split(',').filter(|t| !t.is_empty()).map(|t| t.split_once('|').map_or((None, t), |(s, c)| (Some(s), c))).collect())
        .unwrap_or_default();
    let (client, bundle) = record(&state, Ok(me), &headers, patient, false, "Observation search").await?;
    let mut url = format!("Observation?patient={client}");
    if let Some(code) = &q.code {
        url.push_str("&code=");
        url.push_str(code);
    }
    let found = searchset(bundle, url, |r| match r {
        Resource::Observation(o) => {
            codes.is_empty()
                || o.code.coding.iter().any(|c| {
                    codes.iter().any(|(system, code)| {
                        c.code.as_deref() == Some(*code) && system.is_none_or(|s| s.is_empty() || c.system.as_deref() == Some(s))
                    })
                })
        }
        _ => false,
    });
    Ok(fhir_json(StatusCode::OK, &found))
}

/// The entries of `bundle` that `keep` accepts, as a searchset Bundle.
fn searchset(bundle: Bundle, url: String, keep: impl Fn(&Resource) -> bool) -> Bundle {
    let mut entry: Vec<_> = bundle.entry.into_iter().filter(|e| keep(&e.resource)).collect();
    for e in &mut entry {
        e.search = Some(EntrySearch { mode: "match".into() });
    }
    Bundle {
        id: tonus_clinic::fhir::derived_id(&format!("search:{}:{url}", bundle.id)),
        identifier: None,
        kind: "searchset".into(),
        total: Some(entry.len() as u64),
        link: vec![BundleLink { relation: "self".into(), url }],
        entry,
        ..bundle
    }
}

/// `GET /clients/{id}/export.fhir.json`: the record as a FHIR R4 Bundle, for the staff who
/// may view the client; audited as an export.
pub(crate) async fn download(State(state): State<AppState>, me: CurrentUser, Path(id): Path<String>) -> Result<Response, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, parse_id(&id)?, Access::Read).await?;
    let bytes = state.clinic.export(Actor::user(me.user.id), client.id, ExportFormat::Fhir, "").await?;
    Ok(crate::export::attachment(bytes, FHIR_JSON, &format!("{}.fhir.json", tonus_clinic::export::file_stem(client.id))))
}

#[derive(Template)]
#[template(path = "clients/imported.html")]
struct ImportedPage {
    layout: Layout,
    outcome: tonus_clinic::fhir::ImportOutcome,
}

/// `POST /clients/import`: a FHIR Bundle uploaded from the client list becomes a client of
/// the importing practitioner; the page lists what was stored and what was not read.
pub(crate) async fn import(State(state): State<AppState>, me: CurrentUser, multipart: Multipart) -> Result<Response, WebError> {
    me.require_staff()?;
    let upload = crate::assessments::read_upload(multipart).await?;
    if upload.too_large.is_some() {
        return Err(WebError::TooLarge);
    }
    crate::form::check_csrf(&me, upload.csrf.as_deref())?;
    let Some((_, bytes)) = upload.files.first() else {
        return Err(WebError::BadRequest("file: choose a FHIR Bundle (a .json file) to import".into()));
    };
    let outcome = state.clinic.import_fhir(Actor::user(me.user.id), me.user.id, bytes).await?;
    let page = ImportedPage { layout: Layout::for_user("Client imported", &me), outcome };
    Ok(Html(page.render()?).into_response())
}
