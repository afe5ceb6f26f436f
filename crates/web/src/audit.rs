//! Writing the audit log: who viewed or changed which record, when.
//!
//! Lines carry ids and an action, never names or clinical content, so the log can outlive an
//! erased record without keeping personal data.
//!
//! Every page view writes a line, so under load the log is the busiest writer. Requests
//! therefore commit their lines together (group commit): a request queues its line and either
//! waits for the transaction already under way to finish and take the queue next, or starts
//! that transaction itself. A request still answers only after its own line is committed, so
//! no access goes unrecorded, but fifty concurrent views cost one disk flush, not fifty.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tonus_store::{NewAuditEntry, Store, UserId};

use crate::error::WebError;
use crate::state::AppState;

type Waiter = oneshot::Sender<Result<(), String>>;

/// The queue of audit lines waiting for the next group commit.
#[derive(Debug, Default)]
pub(crate) struct AuditQueue {
    pending: Mutex<Vec<(NewAuditEntry, Waiter)>>,
    /// Held by the one transaction writing a batch; the next batch waits for it.
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl AuditQueue {
    /// Appends one line and returns once it is committed (or failed with its batch).
    pub(crate) async fn record(&self, store: &Arc<dyn Store>, entry: NewAuditEntry) -> Result<(), WebError> {
        let (tx, mut rx) = oneshot::channel();
        self.pending.lock().unwrap_or_else(|poison| poison.into_inner()).push((entry, tx));
        loop {
            tokio::select! {
                // Another request's batch carried this line.
                done = &mut rx => return finished(done),
                guard = Arc::clone(&self.writer).lock_owned() => {
                    let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|poison| poison.into_inner()));
                    if batch.is_empty() {
                        // The batch that took this line is committing: wait for its answer.
                        drop(guard);
                        return finished(rx.await);
                    }
                    // The write runs as its own task, so a request that goes away (a closed
                    // connection) never leaves the other lines of its batch unanswered.
                    let store = Arc::clone(store);
                    tokio::spawn(async move {
                        let (entries, waiters): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                        let result = store.record_audit_batch(entries).await.map_err(|err| err.to_string());
                        drop(guard);
                        for waiter in waiters {
                            // A waiter that has gone away needs no answer.
                            let _ = waiter.send(result.clone());
                        }
                    });
                }
            }
        }
    }
}

fn finished(done: Result<Result<(), String>, oneshot::error::RecvError>) -> Result<(), WebError> {
    match done {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(backend(format!("the audit log could not be written: {err}"))),
        Err(_) => Err(backend("the audit log write was interrupted".into())),
    }
}

fn backend(message: String) -> WebError {
    WebError::Store(tonus_store::StoreError::Backend(message.into()))
}

fn entry(actor: Option<UserId>, action: &str, record_kind: &str, record_id: &str, detail: &str) -> NewAuditEntry {
    NewAuditEntry { actor, action: action.into(), record_kind: record_kind.into(), record_id: record_id.into(), detail: detail.into() }
}

/// Appends one audit line; a failure fails the request, so no access goes unrecorded.
pub(crate) async fn record(
    state: &AppState,
    actor: Option<UserId>,
    action: &str,
    record_kind: &str,
    record_id: &str,
    detail: &str,
) -> Result<(), WebError> {
    state.audit.record(&state.store, entry(actor, action, record_kind, record_id, detail)).await
}

/// Appends one audit line straight to a store (for work done outside a request).
pub(crate) async fn record_on(
    store: &dyn Store,
    actor: Option<UserId>,
    action: &str,
    record_kind: &str,
    record_id: &str,
    detail: &str,
) -> Result<(), WebError> {
    store.record_audit(entry(actor, action, record_kind, record_id, detail)).await?;
    Ok(())
}
