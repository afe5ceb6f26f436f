//! The audit log as the clinic writes it: who did what to which record, when.
//!
//! Lines carry ids, a typed action and record kind, and a short non-clinical detail, never
//! names or clinical content, so the log can outlive an erased record without keeping personal
//! data. Every use case that reads or changes a record writes its line through an
//! [`AuditLog`]; a failed write fails the use case, so no access goes unrecorded.
//!
//! Two logs: [`Direct`] writes each line in its own transaction (the command line), and
//! [`GroupCommit`] lets concurrent requests share one transaction (the web app, where every
//! page view writes a line): a request queues its line and either waits for the transaction
//! under way to finish and take the queue next, or starts that transaction itself. It still
//! answers only after its own line is committed, but fifty concurrent views cost one flush.
//! [`archive_and_prune`] moves lines past the retention period into a CSV file first.

use std::fmt;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tonus_store::{NewAuditEntry, Store, Timestamp, UserId};

use crate::error::ClinicError;

macro_rules! names {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant,)* }

        impl $name {
            /// The name written in the log.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names! {
    /// What was done.
    Action {
        /// Read a record or a page made from it.
        View => "view",
        /// Created a record.
        Create => "create",
        /// Changed a record.
        Update => "update",
        /// Completed an assessment (intake, report and plan stored together).
        Complete => "complete",
        /// Re-ran the engine on a stored assessment.
        Recompute => "recompute",
        /// Exported a whole record.
        Export => "export",
        /// Erased a whole record.
        Erase => "erase",
        /// Deleted a draft or a photo of one.
        Delete => "delete",
        /// Logged in.
        Login => "login",
        /// Failed to log in.
        LoginFailed => "login_failed",
        /// Logged out.
        Logout => "logout",
        /// Changed their own password.
        ChangePassword => "change_password",
        /// Reset another account's password.
        ResetPassword => "reset_password",
        /// Disabled an account.
        Disable => "disable",
        /// Enabled an account.
        Enable => "enable",
        /// Revoked a share link.
        Revoke => "revoke",
    }
}

names! {
    /// What kind of record the line is about.
    RecordKind {
        /// A client record.
        Client => "client",
        /// An assessment.
        Assessment => "assessment",
        /// A photo (the line names its assessment; the detail the photo).
        Photo => "photo",
        /// A landmark set (the line names its assessment; the detail the set).
        LandmarkSet => "landmark_set",
        /// A plan.
        Plan => "plan",
        /// A note (the line names its client; the detail the note).
        Note => "note",
        /// A share link (the line names its client; the detail the link).
        ShareLink => "share_link",
        /// An account.
        User => "user",
        /// A client's handout.
        Handout => "handout",
        /// A client's progress charts.
        Progress => "progress",
        /// A client's photo comparison.
        Comparison => "comparison",
        /// A client's what-if simulation.
        WhatIf => "what_if",
        /// The clinic's own details (name, address, logo).
        Settings => "settings",
    }
}

/// One audit line before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What was done.
    pub action: Action,
    /// To what kind of record.
    pub kind: RecordKind,
    /// The record's id (or, for a failed login, the log's name for the target).
    pub record: String,
    /// Short, non-clinical detail.
    pub detail: String,
}

impl Event {
    /// A line with no detail.
    pub fn new(action: Action, kind: RecordKind, record: impl fmt::Display) -> Self {
        Self { action, kind, record: record.to_string(), detail: String::new() }
    }

    /// The same line with a detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    fn entry(self, actor: Option<UserId>) -> NewAuditEntry {
        NewAuditEntry {
            actor,
            action: self.action.as_str().into(),
            record_kind: self.kind.as_str().into(),
            record_id: self.record,
            detail: self.detail,
        }
    }
}

/// Where audit lines go.
#[async_trait::async_trait]
pub trait AuditLog: fmt::Debug + Send + Sync {
    /// Writes one line for `actor` (`None`: the server's console, or nobody logged in) and
    /// returns once it is committed.
    async fn record(&self, actor: Option<UserId>, event: Event) -> Result<(), ClinicError>;
}

/// Writes each line in its own transaction.
#[derive(Debug, Clone)]
pub struct Direct(pub Arc<dyn Store>);

#[async_trait::async_trait]
impl AuditLog for Direct {
    async fn record(&self, actor: Option<UserId>, event: Event) -> Result<(), ClinicError> {
        self.0.record_audit(event.entry(actor)).await.map_err(|err| ClinicError::storage("the audit log could not be written", err))
    }
}

type Waiter = oneshot::Sender<Result<(), String>>;

/// Lets concurrent callers share one transaction per batch of lines.
#[derive(Debug)]
pub struct GroupCommit {
    store: Arc<dyn Store>,
    pending: Mutex<Vec<(NewAuditEntry, Waiter)>>,
    /// Held by the one transaction writing a batch; the next batch waits for it.
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl GroupCommit {
    /// A group-committing log on `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, pending: Mutex::default(), writer: Arc::default() }
    }
}

#[async_trait::async_trait]
impl AuditLog for GroupCommit {
    async fn record(&self, actor: Option<UserId>, event: Event) -> Result<(), ClinicError> {
        let (tx, mut rx) = oneshot::channel();
        self.pending.lock().unwrap_or_else(|poison| poison.into_inner()).push((event.entry(actor), tx));
        loop {
            tokio::select! {
                // Another caller's batch carried this line.
                done = &mut rx => return finished(done),
                guard = Arc::clone(&self.writer).lock_owned() => {
                    let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|poison| poison.into_inner()));
                    if batch.is_empty() {
                        // The batch that took this line is committing: wait for its answer.
                        drop(guard);
                        return finished(rx.await);
                    }
                    // The write runs as its own task, so a caller that goes away (a closed
                    // connection) never leaves the other lines of its batch unanswered.
                    let store = Arc::clone(&self.store);
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

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BatchFailed(String);

fn finished(done: Result<Result<(), String>, oneshot::error::RecvError>) -> Result<(), ClinicError> {
    match done {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(ClinicError::storage("the audit log could not be written", BatchFailed(err))),
        Err(_) => Err(ClinicError::storage("the audit log could not be written", BatchFailed("the write was interrupted".into()))),
    }
}

/// Lines read per query while archiving.
const ARCHIVE_CHUNK: i64 = 5_000;

/// Writes every audit line older than `before` to a new CSV file in `archive_dir`, flushes it
/// to disk, and only then deletes those lines from the database. Returns the file and the
/// number of lines, or `None` when there was nothing to prune. A failure at any step (a full
/// disk) deletes nothing.
pub async fn archive_and_prune(
    store: &dyn Store,
    archive_dir: &std::path::Path,
    before: Timestamp,
) -> Result<Option<(std::path::PathBuf, u64)>, ClinicError> {
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
    let io = |what: String| move |source: std::io::Error| ClinicError::storage(what, source);
    tokio::fs::create_dir_all(archive_dir).await.map_err(io(format!("cannot create {}", archive_dir.display())))?;
    let stamp = crate::time::iso8601(before).replace(':', "");
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
    .map_err(|err| ClinicError::engine(format!("the audit archive task failed: {err}")))?
    .map_err(io(format!("cannot write the audit archive {}", path.display())))?;
    let deleted = store.delete_audit_before(before).await?;
    tracing::info!(lines = deleted, archive = %path.display(), "pruned the audit log");
    Ok(Some((path, deleted)))
}

#[cfg(test)]
mod tests {
    use tonus_store::StoreConfig;

    use super::*;

    async fn store_with_lines(dir: &std::path::Path, n: usize) -> Arc<dyn Store> {
        let store = tonus_store::connect(&StoreConfig {
            database_url: format!("sqlite://{}", dir.join("tonus.db").display()),
            photos_dir: dir.join("photos"),
            max_connections: 2,
        })
        .await
        .unwrap();
        let line = |i: usize| Event::new(Action::View, RecordKind::Client, format!("c{i}")).entry(None);
        store.record_audit_batch((0..n).map(line).collect()).await.unwrap();
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_lines_are_all_committed() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_lines(dir.path(), 0).await;
        let log = Arc::new(GroupCommit::new(Arc::clone(&store)));
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let log = Arc::clone(&log);
                tokio::spawn(async move { log.record(None, Event::new(Action::View, RecordKind::Client, i)).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(store.recent_audit(100).await.unwrap().len(), 50);
    }
}
