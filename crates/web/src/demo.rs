//! `tonus demo`: fills a store with the example personas so the app has something to show.
//!
//! Creates one demo practitioner (with the password the caller chooses) and, for each
//! persona of `tonus_app::examples`, a client with one completed assessment run through the
//! real engine. Refuses to touch a store that already has clients.

use std::sync::Arc;

use serde::Serialize;
use tonus_store::{ClientQuery, NewClient, NewUser, Role, Store};

use crate::error::WebError;
use crate::serve::WebConfig;
use crate::state::{AppState, Settings};

/// What `load_demo` created.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    /// The demo practitioner's login name.
    pub login: String,
    /// How many clients were created.
    pub clients: usize,
    /// How many assessments were completed.
    pub assessments: usize,
}

/// `tonus demo`: opens the configured store (running migrations) and loads the example
/// personas as clients of a new account `login` with `password` (an admin when the store has
/// no account yet).
pub async fn load_demo(config: &WebConfig, login: &str, password: &str) -> Result<DemoSummary, WebError> {
    let store = tonus_store::connect(&config.store_config()).await?;
    load_demo_into(store, config.settings(), login, password).await
}

/// Loads the example personas into an open store (see [`load_demo`]).
pub async fn load_demo_into(store: Arc<dyn Store>, settings: Settings, login: &str, password: &str) -> Result<DemoSummary, WebError> {
    if !store.clients(&ClientQuery::default()).await?.is_empty() {
        return Err(WebError::Conflict("the store already has clients; demo data goes into an empty one".into()));
    }
    let state = AppState::new(store.clone(), settings)?;
    let login = crate::auth::normalise_login(login);
    let password_hash = crate::auth::hash_password(state.settings().password_cost, password, &login).await?;
    let role = if store.count_users().await? == 0 { Role::Admin } else { Role::Practitioner };
    let user = store
        .create_user(NewUser {
            login: login.clone(),
            display_name: "Demo practitioner".into(),
            role,
            password_hash,
            must_change_password: false,
        })
        .await?;
    let actor = tonus_clinic::Actor::user(user.id);
    let personas = tonus_app::examples::personas();
    let mut assessments = 0;
    for persona in &personas {
        let intake = state.clinic.parse_intake(persona.intake, tonus_app::intake::Format::Toml, persona.intake_name)?;
        let landmarks = persona
            .landmarks
            .iter()
            .map(|(file, text)| tonus_clinic::landmarks::parse_landmarks(text.as_bytes(), file))
            .collect::<Result<Vec<_>, _>>()?;
        let client = store
            .create_client(NewClient {
                owner: user.id,
                display_name: intake.client.name.clone(),
                reference: Some("demo".into()),
                shared_with_clinic: false,
            })
            .await?;
        state.clinic.create_from_files(actor, client.id, &intake, landmarks, true).await?;
        assessments += 1;
    }
    Ok(DemoSummary { login, clients: personas.len(), assessments })
}
