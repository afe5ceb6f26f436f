//! `tonus-pose`: photo decoding and MediaPipe BlazePose landmark estimation in pure Rust
//! (tract), reproducing MediaPipe Pose's static-image pipeline (version 0.10.21 behaviour,
//! models from `@mediapipe/pose` 0.5.1675469404).
//!
//! ```no_run
//! use tonus_pose::{Limits, ModelKind, PoseEstimator, decode_file};
//! let est = PoseEstimator::new(ModelKind::Full)?;
//! let img = decode_file("photo.jpg".as_ref(), &Limits::default())?;
//! let result = est.estimate(&img)?;
//! match &result.landmarks {
//!     Some(lms) => println!("nose at {:.3}, {:.3}", lms[0].x, lms[0].y),
//!     None => println!("no person found"),
//! }
//! # Ok::<(), tonus_pose::PoseError>(())
//! ```
//!
//! Video frames go through [`PoseTracker`] (MediaPipe's tracking mode: the detector only when
//! the person is lost). Leaves out: landmark smoothing, segmentation masks and
//! world landmarks (pruned from the models), and any conversion to the domain's `Pose` type,
//! which belongs to the caller.
// `unsafe` is denied everywhere but `simd.rs`: the AVX2/FMA kernels and the unzeroed output buffers.
#![deny(unsafe_code)]

mod annotate;
mod clock;
mod decode;
pub mod detector;
mod dwconv;
mod error;
mod estimator;
pub mod landmarks;
mod models;
mod pointwise;
mod rewrite;
mod simd;
mod stem;
mod tracker;
pub mod warp;

pub use annotate::{Overlay, annotate, annotate_png, draw};
pub use decode::{DecodedImage, Limits, decode, decode_file, decode_file_reduced, decode_reduced};
pub use error::PoseError;
pub use estimator::{BatchItem, Estimate, PoseEstimator, Timings, estimate_batch};
pub use image::RgbImage;
pub use image::metadata::Orientation;
pub use landmarks::{LANDMARK_NAMES, Landmark, SKELETON};
pub use models::{MEDIAPIPE_POSE_VERSION, ModelKind, op_profile};
pub use tracker::{PoseTracker, TrackedFrame};
