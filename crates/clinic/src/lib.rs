//! tonus-clinic: the clinic's use cases, shared by the web app's pages, its JSON API and the
//! command line.
//!
//! [`Clinic`] holds the store, the engine (behind a concurrency limit) and the audit log, and
//! offers typed operations: start, save and complete an assessment, recompute it, add a photo
//! or a landmark set, correct landmarks by hand, read the report and the plan, edit the plan,
//! list, export and erase a client's record. Each operation that changes or discloses a record
//! writes its audit line itself, so no caller can forget it. Clinical documents are stored as
//! JSON; this crate is where they become types again ([`docs`]), and nothing above it reads
//! them by key.
//!
//! Left out on purpose: who may do what (the web app checks access before it calls, and the
//! command line runs with the data directory's owner's rights), HTTP and argv, and every
//! clinical rule (in `tonus-core` and `tonus-app`).

#![forbid(unsafe_code)]

pub mod assessments;
pub mod audit;
pub mod docs;
pub mod engine;
pub mod error;
pub mod export;
pub mod fhir;
pub mod landmarks;
pub mod plans;
pub mod records;
pub mod time;

use std::sync::Arc;

use tonus_store::{Store, UserId};

pub use audit::{Action, AuditLog, Event, RecordKind};
pub use docs::{PlanRecord, ReportRecord};
pub use error::{ClinicError, ErrorKind, FULL};
pub use landmarks::{EffectiveSet, Measured, MovedPoint};
pub use records::{ClientSummary, ExportFormat};

/// Who does something: an account, or nobody logged in (the server's console, or a share
/// link's visitor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor(pub Option<UserId>);

impl Actor {
    /// The server's console (the `tonus client` commands).
    pub const CONSOLE: Actor = Actor(None);

    /// A logged-in account.
    pub fn user(id: UserId) -> Actor {
        Actor(Some(id))
    }
}

/// The clinic's store, engine and audit log.
#[derive(Debug, Clone)]
pub struct Clinic {
    store: Arc<dyn Store>,
    runner: engine::Runner,
    audit: Arc<dyn AuditLog>,
}

impl Clinic {
    /// Wires a store, an engine runner and an audit log together.
    pub fn new(store: Arc<dyn Store>, runner: engine::Runner, audit: Arc<dyn AuditLog>) -> Self {
        Self { store, runner, audit }
    }

    /// A clinic on `store` with the embedded knowledge base, one engine run at a time and
    /// each audit line in its own transaction: what the command line needs.
    pub fn console(store: Arc<dyn Store>) -> Result<Self, ClinicError> {
        let engine = tonus_app::Engine::embedded()?;
        let audit = Arc::new(audit::Direct(Arc::clone(&store)));
        Ok(Self::new(store, engine::Runner::new(engine, 1)?, audit))
    }

    /// The store, for the reads and writes that are not clinic use cases (accounts, sessions,
    /// notes, share links).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The engine runner.
    pub fn runner(&self) -> &engine::Runner {
        &self.runner
    }

    /// The engine, for quick calls (knowledge-base lookups, rendering).
    pub fn engine(&self) -> &tonus_app::Engine {
        self.runner.engine()
    }

    /// Writes one audit line; a failure fails the caller, so no access goes unrecorded.
    pub async fn audit(&self, actor: Actor, event: Event) -> Result<(), ClinicError> {
        self.audit.record(actor.0, event).await
    }
}
