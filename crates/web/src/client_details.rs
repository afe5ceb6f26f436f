//! A client's details beyond the name on the client page: date of birth, contact, and the
//! consent they gave to this clinic's consent statement ([`CONSENT_VERSION`], its parts in
//! [`CONSENT_ITEMS`]); and the duplicate check when a client is added (the same name, any
//! case and spacing, among the records the practitioner can see).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tonus_clinic::{Action, RecordKind};
use tonus_core::Date;
use tonus_store::{Client, ClientDetails, Consent, Timestamp};

use crate::access::{self, Access};
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::form::CsrfForm;
use crate::format;
use crate::state::AppState;

/// The version of the consent statement below; a changed statement gets a new version, so a
/// record says which words the client agreed to.
pub(crate) const CONSENT_VERSION: &str = "tonus-consent-1";

/// The parts of the consent statement, by id, in the client's words.
pub(crate) const CONSENT_ITEMS: &[(&str, &str)] = &[
    ("assessment", "I agree to be assessed and treated with massage and corrective exercise."),
    ("photos", "I agree to posture photos being taken and measured; they stay on this clinic's computer."),
    ("records", "I agree to this clinic keeping these records (assessment, photos, plan, notes) to care for me."),
    ("share", "I agree to reports being shared with my doctor or another clinician when I ask for it."),
];

/// The details as the client page shows them.
pub(crate) struct DetailsView {
    pub date_of_birth: String,
    /// Age in whole years today, when the date of birth is known.
    pub age: Option<i64>,
    pub phone: String,
    pub email: String,
    /// (the statement's words, agreed) for each part, when consent is recorded.
    pub consent: Vec<(&'static str, &'static str, bool)>,
    /// "tonus-consent-1 on 2026-11-30", or empty when none is recorded.
    pub consent_given: String,
    pub today: String,
}

pub(crate) async fn view(state: &AppState, client: &Client) -> Result<DetailsView, WebError> {
    let d = state.store.client_details(client.id).await?;
    let today = format::date(Timestamp::now());
    let age = d.date_of_birth.as_deref().and_then(Date::parse).zip(Date::parse(&today)).map(|(born, now)| {
        let (by, bm, bd) = born.ymd();
        let (ny, nm, nd) = now.ymd();
        i64::from(ny - by) - i64::from((nm, nd) < (bm, bd))
    });
    let agreed = |id: &str| d.consent.as_ref().is_some_and(|c| c.items.iter().any(|i| i == id));
    Ok(DetailsView {
        date_of_birth: d.date_of_birth.clone().unwrap_or_default(),
        age,
        phone: d.phone.clone(),
        email: d.email.clone(),
        consent: CONSENT_ITEMS.iter().map(|&(id, words)| (id, words, agreed(id))).collect(),
        consent_given: d.consent.as_ref().map(|c| format!("{} on {}", c.version, c.given_on)).unwrap_or_default(),
        today,
    })
}

/// The posted form (read from the raw pairs, since the consent parts repeat).
#[derive(Debug)]
struct DetailsForm {
    date_of_birth: String,
    phone: String,
    email: String,
    consent_on: String,
    /// The consent parts ticked, by id.
    items: Vec<String>,
}

/// `POST /clients/{id}/details`: the date of birth, contact and consent. A date in the future
/// is refused; ticking any consent part records consent on `consent_on` (today when empty) to
/// this version of the statement, ticking none records no consent.
pub(crate) async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(me, pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    me.require_staff()?;
    let client = access::client(&state, &me, access::parse_id(&id)?, Access::Write).await?;
    let mut form = DetailsForm {
        date_of_birth: String::new(),
        phone: String::new(),
        email: String::new(),
        consent_on: String::new(),
        items: Vec::new(),
    };
    for (k, v) in pairs {
        match k.as_str() {
            "date_of_birth" => form.date_of_birth = v.trim().to_owned(),
            "phone" => form.phone = v.trim().to_owned(),
            "email" => form.email = v.trim().to_owned(),
            "consent_on" => form.consent_on = v.trim().to_owned(),
            "consent" if CONSENT_ITEMS.iter().any(|(id, _)| *id == v) => form.items.push(v),
            _ => {}
        }
    }
    match details_of(form) {
        Ok(details) => match state.store.put_client_details(client.id, &details).await {
            Ok(()) => {
                let what = if details.consent.is_some() { "details and consent" } else { "details" };
                crate::audit::record(&state, Some(me.user.id), Action::Update, RecordKind::Client, &client.id.to_string(), what).await?;
                Ok(Redirect::to(&format!("/clients/{}#details", client.id)).into_response())
            }
            Err(tonus_store::StoreError::Invalid(message)) => refuse(&state, &me, client, message).await,
            Err(other) => Err(other.into()),
        },
        Err(message) => refuse(&state, &me, client, message).await,
    }
}

async fn refuse(state: &AppState, me: &CurrentUser, client: Client, message: String) -> Result<Response, WebError> {
    let page = crate::clients::client_page(state, me, client, Some(message)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The form read into details, or the first problem by field.
fn details_of(form: DetailsForm) -> Result<ClientDetails, String> {
    let today = format::date(Timestamp::now());
    let future = |field: &str, value: &str| -> Result<(), String> {
        match Date::parse(value) {
            None => Err(format!("{field}: \"{value}\" is not a date such as 1990-04-01")),
            Some(d) if d.to_string() > today => Err(format!("{field}: {value} is in the future")),
            Some(_) => Ok(()),
        }
    };
    let date_of_birth = (!form.date_of_birth.is_empty()).then_some(form.date_of_birth);
    if let Some(dob) = &date_of_birth {
        future("date_of_birth", dob)?;
    }
    let consent = if form.items.is_empty() {
        None
    } else {
        let given_on = if form.consent_on.is_empty() { today.clone() } else { form.consent_on };
        future("consent_on", &given_on)?;
        Some(Consent { version: CONSENT_VERSION.to_owned(), items: form.items, given_on })
    };
    Ok(ClientDetails { date_of_birth, phone: form.phone, email: form.email, consent })
}

/// Other records the practitioner can see with the same name as `name` (any case, spaces
/// collapsed): (id, name, reference).
pub(crate) async fn same_name(state: &AppState, me: &CurrentUser, name: &str) -> Result<Vec<(String, String, String)>, WebError> {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let wanted = norm(name);
    // The search narrows by the first word; the comparison is on the whole normalised name.
    let first = wanted.split(' ').next().unwrap_or_default().to_owned();
    if first.is_empty() {
        return Ok(Vec::new());
    }
    Ok(crate::clients::visible_clients(state, me, Some(first))
        .await?
        .into_iter()
        .filter(|c| norm(&c.display_name) == wanted)
        .map(|c| (c.id.to_string(), c.display_name, c.reference.unwrap_or_default()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(dob: &str, items: &[&str], on: &str) -> DetailsForm {
        DetailsForm {
            date_of_birth: dob.into(),
            phone: String::new(),
            email: String::new(),
            consent_on: on.into(),
            items: items.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn dates_must_be_real_and_not_in_the_future_and_consent_needs_a_ticked_part() {
        assert_eq!(details_of(form("1990-04-01", &[], "")).unwrap().consent, None);
        assert!(details_of(form("2999-01-01", &[], "")).unwrap_err().starts_with("date_of_birth: 2999-01-01 is in the future"));
        assert!(details_of(form("1.4.1990", &[], "")).unwrap_err().starts_with("date_of_birth: \"1.4.1990\" is not a date"));
        let consent = details_of(form("", &["assessment", "photos"], "2026-11-01")).unwrap().consent.unwrap();
        assert_eq!((consent.version.as_str(), consent.items.len(), consent.given_on.as_str()), (CONSENT_VERSION, 2, "2026-11-01"));
        assert!(details_of(form("", &["records"], "2999-01-01")).unwrap_err().starts_with("consent_on:"));
        assert_eq!(details_of(form("", &["records"], "")).unwrap().consent.unwrap().given_on, format::date(Timestamp::now()));
    }
}
