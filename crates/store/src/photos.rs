//! Photo files on disk: content-addressed under the photo directory.
//!
//! The path is derived from the SHA-256 of the bytes and the media type only, so no
//! user-supplied name ever reaches the file system. Writes go to a temporary file that is
//! fsynced and renamed, so a crash never leaves a half-written photo under its final name.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::StoreError;

/// The directory that holds photo files.
#[derive(Debug, Clone)]
pub(crate) struct PhotoDir {
    root: PathBuf,
}

/// Where a photo's bytes went.
#[derive(Debug)]
pub(crate) struct StoredFile {
    pub content_hash: String,
    pub rel_path: String,
}

impl PhotoDir {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// How many photo files the folder holds (its two-character subfolders), for the check
    /// that a missing database is not silently replaced by an empty one.
    pub(crate) fn count_files(&self) -> usize {
        let Ok(dirs) = std::fs::read_dir(&self.root) else { return 0 };
        dirs.filter_map(Result::ok)
            .filter(|d| d.path().is_dir())
            .filter_map(|d| std::fs::read_dir(d.path()).ok())
            .map(|files| files.filter_map(Result::ok).filter(|f| !f.file_name().to_string_lossy().starts_with('.')).count())
            .sum()
    }

    /// The file extension for an accepted media type.
    fn extension(media_type: &str) -> Result<&'static str, StoreError> {
        match media_type {
            "image/jpeg" => Ok("jpg"),
            "image/png" => Ok("png"),
            "image/webp" => Ok("webp"),
            other => Err(StoreError::Invalid(format!("unsupported photo type {other:?}: use jpeg, png or webp"))),
        }
    }

    /// Writes the bytes under their hash (idempotent when the file already exists).
    pub(crate) async fn write(&self, bytes: &[u8], media_type: &str) -> Result<StoredFile, StoreError> {
        let ext = Self::extension(media_type)?;
        let content_hash = hex::encode(Sha256::digest(bytes));
        let rel_path = format!("{}/{}.{}", &content_hash[..2], content_hash, ext);
        let path = self.root.join(&rel_path);
        if tokio::fs::try_exists(&path).await? {
            return Ok(StoredFile { content_hash, rel_path });
        }
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        let tmp = dir.join(format!(".{}.{}.tmp", content_hash, uuid::Uuid::now_v7()));
        let bytes = bytes.to_vec();
        let final_path = path.clone();
        tokio::task::spawn_blocking(move || {
            let written = write_durably(&dir, &tmp, &final_path, &bytes);
            if written.is_err() {
                // A full disk (or any failure) leaves no partial file behind under any name.
                let _ = std::fs::remove_file(&tmp);
            }
            written
        })
        .await
        .map_err(|err| StoreError::Backend(Box::new(err)))??;
        Ok(StoredFile { content_hash, rel_path })
    }

    /// Removes temporary files left by writes that a crash or a power cut interrupted. Run at
    /// start, when the data-directory lock says no other process is writing. Returns how many.
    pub(crate) fn sweep_temporary(&self) -> usize {
        fn sweep(dir: &Path, depth: u8) -> usize {
            let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
            let mut removed = 0;
            for entry in entries.filter_map(Result::ok) {
                let path = entry.path();
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if depth == 0 && path.is_dir() {
                    removed += sweep(&path, 1);
                } else if name.starts_with('.') && name.ends_with(".tmp") && std::fs::remove_file(&path).is_ok() {
                    removed += 1;
                }
            }
            removed
        }
        sweep(&self.root, 0)
    }

    /// Writes, syncs and removes a small file in the photo folder: `Full` when the disk is
    /// full, so a health check sees what the next upload would meet.
    pub(crate) async fn probe_writable(&self) -> Result<(), StoreError> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            std::fs::create_dir_all(&root)?;
            let probe = root.join(format!(".probe.{}.tmp", uuid::Uuid::now_v7()));
            let written = std::fs::File::create(&probe).and_then(|mut file| {
                file.write_all(&[0u8; PROBE_BYTES])?;
                file.sync_all()
            });
            let _ = std::fs::remove_file(&probe);
            written.map_err(StoreError::from)
        })
        .await
        .map_err(|err| StoreError::Backend(Box::new(err)))?
    }

    pub(crate) async fn read(&self, rel_path: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.checked(rel_path)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(bytes),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
            Err(err) => Err(err.into()),
        }
    }

    /// Removes a file; a file already gone is fine.
    pub(crate) async fn remove(&self, rel_path: &str) -> Result<bool, StoreError> {
        let path = self.checked(rel_path)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err.into()),
        }
    }

    /// Rejects stored paths that are not the `xx/hash.ext` shape this module writes.
    fn checked(&self, rel_path: &str) -> Result<PathBuf, StoreError> {
        check_rel_path(rel_path)?;
        Ok(self.root.join(rel_path))
    }
}

/// Rejects stored paths that are not the `xx/hash.ext` shape [`PhotoDir::write`] writes, so a
/// path read from a database or a backup manifest never leaves the photo folder.
pub(crate) fn check_rel_path(rel_path: &str) -> Result<(), StoreError> {
    let ok = rel_path.chars().all(|c| c.is_ascii_hexdigit() || c == '/' || c == '.' || c.is_ascii_lowercase())
        && !rel_path.contains("..")
        && !rel_path.starts_with('/');
    if ok { Ok(()) } else { Err(StoreError::Invalid(format!("bad photo path {rel_path:?}"))) }
}

/// Bytes the health probe writes: a small photo's worth of blocks.
const PROBE_BYTES: usize = 64 * 1024;

fn write_durably(dir: &Path, tmp: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut file = std::fs::File::create(tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(tmp, path)?;
    // Persist the directory entry too, so the rename survives a power cut.
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}
