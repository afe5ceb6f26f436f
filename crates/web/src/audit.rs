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

/// Lines read per query while archiving.
const ARCHIVE_CHUNK: i64 = 5_000;

/// Writes every audit line older than `before` to a new CSV file in `archive_dir`, flushes it
/// to disk, and only then deletes those lines from the database. Returns the file and the
/// number of lines, or `None` when there was nothing to prune. A failure at any step (a full
/// disk) deletes nothing.
pub(crate) async fn archive_and_prune(
    store: &dyn Store,
    archive_dir: &std::path::Path,
    before: tonus_store::Timestamp,
) -> Result<Option<(std::path::PathBuf, u64)>, WebError> {
    let mut lines = Vec::new();
    let mut after = None;
    loop {
        let chunk = store.audit_before(before, after, ARCHIVE_CHUNK).await?;
        after = chunk.last().map(|line| line.id);
        let done = chunk.len() < usize::try_from(ARCHIVE_CHUNK).unwrap_or(usize::MAX);
        lines.extend(chunk);
        if done {
            break;
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let io = |context: String| move |source| WebError::Io { context, source };
    tokio::fs::create_dir_all(archive_dir).await.map_err(io(format!("cannot create {}", archive_dir.display())))?;
    let stamp = crate::format::iso8601(before).replace(':', "");
    let path = archive_dir.join(format!("audit-before-{stamp}-{}.csv", tonus_store::AuditId::new()));
    let table = crate::export::audit_table(&lines);
    let file_path = path.clone();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&file_path)?;
        file.write_all(table.as_bytes())?;
        file.sync_all()
    })
    .await
    .map_err(|err| WebError::Engine(format!("audit archive task failed: {err}")))?
    .map_err(io(format!("cannot write the audit archive {}", path.display())))?;
    let deleted = store.delete_audit_before(before).await?;
    tracing::info!(lines = deleted, archive = %path.display(), "pruned the audit log");
    Ok(Some((path, deleted)))
}

#[cfg(test)]
mod tests {
    use tonus_store::{StoreConfig, Timestamp};

    use super::*;

    async fn store_with_lines(dir: &std::path::Path, n: usize) -> Arc<dyn Store> {
        let store = tonus_store::connect(&StoreConfig {
            database_url: format!("sqlite://{}", dir.join("tonus.db").display()),
            photos_dir: dir.join("photos"),
            max_connections: 2,
        })
        .await
        .unwrap();
        store.record_audit_batch((0..n).map(|i| entry(None, "view", "client", &format!("c{i}"), "")).collect()).await.unwrap();
        store
    }

    #[tokio::test]
    async fn old_lines_are_archived_before_they_are_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_lines(dir.path(), 12_000).await;
        let archive = dir.path().join("audit-archive");
        // Nothing is older than the epoch.
        assert!(archive_and_prune(store.as_ref(), &archive, Timestamp(0)).await.unwrap().is_none());
        let (file, pruned) = archive_and_prune(store.as_ref(), &archive, Timestamp::now().plus_seconds(60)).await.unwrap().unwrap();
        assert_eq!(pruned, 12_000);
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.lines().count(), 12_001, "a header and every line, across archive chunks");
        assert!(text.starts_with("id,at,actor_id,action,record_kind,record_id,detail\r\n"));
        assert!(text.contains(",view,client,c11999,"));
        assert!(store.recent_audit(1).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn nothing_is_deleted_when_the_archive_cannot_be_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_lines(dir.path(), 3).await;
        let blocked = dir.path().join("not-a-folder");
        std::fs::write(&blocked, "a file where the archive folder should be").unwrap();
        let err = archive_and_prune(store.as_ref(), &blocked, Timestamp::now().plus_seconds(60)).await.unwrap_err();
        assert!(err.to_string().contains("not-a-folder"), "{err}");
        assert_eq!(store.recent_audit(10).await.unwrap().len(), 3);
    }
}
