//! The crate's single error type, [`PoseError`]. Each variant is a case a caller can act on:
//! bad or unsupported input (tell the user), limits exceeded (refuse the upload), or a broken
//! model (a build or packaging bug). "No person in the photo" is deliberately not an error: it
//! is an [`crate::Estimate`] with `landmarks: None`.

use std::path::PathBuf;

/// Everything that can go wrong while decoding a photo or running the pose models.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PoseError {
    /// The file could not be read from disk.
    #[error("cannot read {path}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying IO error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not an image in a format this crate decodes (JPEG, PNG, WebP).
    #[error("unsupported image format in {name}: {detail}")]
    UnsupportedFormat {
        /// The file name the caller gave.
        name: String,
        /// What was recognised, if anything.
        detail: String,
    },
    /// The image is larger than [`crate::Limits`] allows; nothing was decoded.
    #[error("image {name} is too large: {detail}")]
    TooLarge {
        /// The file name the caller gave.
        name: String,
        /// Which limit was exceeded, with the numbers.
        detail: String,
    },
    /// The image is too small to hold a person (or has a zero dimension).
    #[error("image {name} is too small: {width}x{height} pixels")]
    TooSmall {
        /// The file name the caller gave.
        name: String,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The file claims a supported format but its data is damaged or truncated.
    #[error("cannot decode {name}")]
    Decode {
        /// The file name the caller gave.
        name: String,
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An embedded model does not match its recorded SHA-256 (a packaging bug).
    #[error("model file {file} does not match its sha-256 (expected {expected}, got {actual})")]
    ModelChecksum {
        /// The model file name.
        file: &'static str,
        /// The digest recorded in models/SHA256SUMS.
        expected: &'static str,
        /// The digest of the embedded bytes.
        actual: String,
    },
    /// The model could not be rewritten, loaded or run by tract.
    #[error("model {file}: {detail}")]
    Model {
        /// The model file name.
        file: &'static str,
        /// What failed, with tract's error chain.
        detail: String,
    },
    /// A batch worker thread panicked (a bug in this crate).
    #[error("batch worker failed on {path}")]
    Worker {
        /// The file being processed.
        path: PathBuf,
    },
}
