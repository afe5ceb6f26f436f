//! The whole static-image pipeline: letterboxed detector → weighted NMS → ROI from the most
//! prominent person → rotated 256² crop → landmark model → heatmap refinement → projection.
//! Plus [`estimate_batch`], which spreads a list of files over the CPU cores.
//!
//! Leaves out: drawing (`annotate.rs`), decoding (`decode.rs`), the pure maths (`detector.rs`,
//! `landmarks.rs`, `warp.rs`) and any conversion to the domain's types.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::Stopwatch;

use tract_tflite::prelude::*;

use crate::PoseError;
use crate::decode::{DecodedImage, Limits, decode_file};
use crate::detector::{self, Detection, Letterbox, Roi};
use crate::landmarks::{self, Landmark};
use crate::models::{self, ModelKind, Plan};
use crate::warp::{self, Border, PixelRect};

/// Where the time went for one photo (decoding is reported by [`DecodedImage::decode_time`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Timings {
    /// Letterbox crop and conversion for the detector.
    pub detector_input: Duration,
    /// The detector model.
    pub detector: Duration,
    /// Anchor decoding and NMS.
    pub detector_post: Duration,
    /// The rotated crop for the landmark model.
    pub landmark_input: Duration,
    /// The landmark model.
    pub landmark: Duration,
    /// Heatmap refinement and projection.
    pub landmark_post: Duration,
    /// Everything in [`PoseEstimator::estimate`].
    pub total: Duration,
}

/// The result for one photo. "No person" is `landmarks: None`, not an error.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Estimate {
    /// Width of the upright image in pixels.
    pub width: u32,
    /// Height of the upright image in pixels.
    pub height: u32,
    /// How many people the detector found (after non-maximum suppression). The landmarks
    /// describe the most prominent one (highest detection score), as MediaPipe picks.
    pub persons_found: usize,
    /// Detection score of the person described, if any.
    pub detection_score: Option<f32>,
    /// The landmark model's confidence that a whole pose is in its crop. Below 0.5 MediaPipe
    /// reports no pose, and so does this crate.
    pub pose_presence: Option<f32>,
    /// The 33 landmarks, normalised to the upright image; `None` when no person was found.
    pub landmarks: Option<Vec<Landmark>>,
    /// The region the landmark model looked at.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub roi: Option<Roi>,
    /// Which landmark model ran.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub model: ModelKind,
    /// Where the time went.
    pub timings: Timings,
}

/// Runs BlazePose on photos. Cheap to clone and to share between threads: the optimised
/// models are loaded once per process and shared.
#[derive(Clone)]
pub struct PoseEstimator {
    kind: ModelKind,
    detector: Plan,
    landmark: Plan,
    anchors: Arc<[detector::Anchor]>,
}

impl std::fmt::Debug for PoseEstimator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoseEstimator").field("kind", &self.kind).finish_non_exhaustive()
    }
}

/// Minimum pose-presence score for landmarks to be reported (MediaPipe's threshold).
pub(crate) const MIN_POSE_PRESENCE: f32 = 0.5;

fn model_error(file: &'static str) -> impl Fn(TractError) -> PoseError {
    move |e| PoseError::Model { file, detail: format!("{e:#}") }
}

impl PoseEstimator {
    /// Loads (once per process) and returns an estimator using the given landmark model.
    pub fn new(kind: ModelKind) -> Result<Self, PoseError> {
        Ok(Self { kind, detector: models::detector_plan()?, landmark: models::landmark_plan(kind)?, anchors: detector::anchors().into() })
    }

    /// Which landmark model this estimator runs.
    pub fn kind(&self) -> ModelKind {
        self.kind
    }

    /// Finds people in the photo and the 33 landmarks of the most prominent one.
    pub fn estimate(&self, img: &DecodedImage) -> Result<Estimate, PoseError> {
        self.estimate_with_aux(img).map(|(est, _)| est)
    }

    /// [`Self::estimate`], plus the landmark model's two auxiliary points when a pose was found
    /// (what the tracker needs for the next frame's region).
    pub(crate) fn estimate_with_aux(&self, img: &DecodedImage) -> Result<(Estimate, Option<[Landmark; 2]>), PoseError> {
        let start = Stopwatch::start();
        let mut t = Timings::default();
        let (width, height) = (img.width(), img.height());
        let mut est = Estimate {
            width,
            height,
            persons_found: 0,
            detection_score: None,
            pose_presence: None,
            landmarks: None,
            roi: None,
            model: self.kind,
            timings: t,
        };

        let mut aux = None;
        let people = self.detect(img, &mut t)?;
        est.persons_found = people.len();
        if let Some(best) = people.first() {
            est.detection_score = Some(best.score);
            let roi = detector::roi_from_detection(best, width, height);
            est.roi = Some(roi);
            let (presence, mut lms) = self.landmarks_and_aux(img, &roi, &mut t)?;
            est.pose_presence = Some(presence);
            if presence >= MIN_POSE_PRESENCE {
                aux = split_aux(&mut lms);
                est.landmarks = Some(lms);
            }
        }
        t.total = start.elapsed();
        est.timings = t;
        Ok((est, aux))
    }

    /// Runs the detector; returns the people found in image coordinates, best first.
    pub fn detect(&self, img: &DecodedImage, t: &mut Timings) -> Result<Vec<Detection>, PoseError> {
        let start = Stopwatch::start();
        let (w, h) = (img.width(), img.height());
        let side = w.max(h) as f32;
        let rect = PixelRect { cx: w as f32 / 2.0, cy: h as f32 / 2.0, width: side, height: side, rotation: 0.0 };
        let n = detector::DETECTOR_INPUT;
        let rgb = warp::warp(img, &rect.scaled(img.pixel_scale()), n, n, Border::Zero);
        let input = tensor_from(warp::to_float(&rgb, 2.0 / 255.0, -1.0), n)?;
        t.detector_input = start.elapsed();

        let start = Stopwatch::start();
        let err = model_error(models::DETECTOR.file);
        let out = self.detector.run(tvec![input.into()]).map_err(&err)?;
        t.detector = start.elapsed();

        let start = Stopwatch::start();
        let boxes = floats(&out[0]).map_err(&err)?;
        let scores = floats(&out[1]).map_err(&err)?;
        let dets = detector::decode_detections(boxes, scores, &self.anchors, detector::MIN_SCORE);
        let lb = Letterbox::new(w, h);
        let people = detector::weighted_nms(dets, detector::NMS_IOU).iter().map(|d| detector::remove_letterbox(d, &lb)).collect();
        t.detector_post = start.elapsed();
        Ok(people)
    }

    /// Runs the landmark model on `roi`; returns the pose-presence score and the 33 landmarks.
    pub fn landmarks(&self, img: &DecodedImage, roi: &Roi, t: &mut Timings) -> Result<(f32, Vec<Landmark>), PoseError> {
        let (presence, mut lms) = self.landmarks_and_aux(img, roi, t)?;
        lms.truncate(landmarks::NUM_LANDMARKS);
        Ok((presence, lms))
    }

    /// [`Self::landmarks`] plus the model's two auxiliary points (indices 33 and 34: the hip
    /// centre and the point that gives the body's size and direction), which give the next
    /// frame's region when tracking.
    pub(crate) fn landmarks_and_aux(&self, img: &DecodedImage, roi: &Roi, t: &mut Timings) -> Result<(f32, Vec<Landmark>), PoseError> {
        let start = Stopwatch::start();
        let (w, h) = (img.width() as f32, img.height() as f32);
        let rect = PixelRect { cx: roi.cx * w, cy: roi.cy * h, width: roi.width * w, height: roi.height * h, rotation: roi.rotation };
        let n = landmarks::LANDMARK_INPUT;
        let rgb = warp::warp(img, &rect.scaled(img.pixel_scale()), n, n, Border::Replicate);
        let input = tensor_from(warp::to_float(&rgb, 1.0 / 255.0, 0.0), n)?;
        t.landmark_input = start.elapsed();

        let start = Stopwatch::start();
        let file = match self.kind {
            ModelKind::Lite => models::LANDMARK_LITE.file,
            ModelKind::Full => models::LANDMARK_FULL.file,
        };
        let err = model_error(file);
        let out = self.landmark.run(tvec![input.into()]).map_err(&err)?;
        t.landmark = start.elapsed();

        let start = Stopwatch::start();
        let raw = floats(&out[0]).map_err(&err)?;
        let presence = floats(&out[1]).map_err(&err)?.first().copied().unwrap_or(0.0);
        let heatmap = floats(&out[2]).map_err(&err)?;
        let mut crop = landmarks::parse_raw(raw);
        landmarks::refine_from_heatmap(
            &mut crop,
            heatmap,
            landmarks::HEATMAP_SIDE,
            landmarks::HEATMAP_KERNEL,
            landmarks::HEATMAP_MIN_CONFIDENCE,
        );
        let lms = crop.iter().take(landmarks::NUM_LANDMARKS + 2).map(|c| landmarks::project(c, roi)).collect();
        t.landmark_post = start.elapsed();
        Ok((presence, lms))
    }
}

/// Cuts the two auxiliary points off the end of a landmark list from
/// [`PoseEstimator::landmarks_and_aux`], leaving the 33 body landmarks.
pub(crate) fn split_aux(lms: &mut Vec<Landmark>) -> Option<[Landmark; 2]> {
    let aux = lms.get(landmarks::NUM_LANDMARKS..landmarks::NUM_LANDMARKS + 2).map(|a| [a[0], a[1]]);
    lms.truncate(landmarks::NUM_LANDMARKS);
    aux
}

/// A model output's values, read in place (an element-by-element copy of the 64·64·39 heatmap
/// cost about 0.4 ms).
fn floats(t: &TValue) -> TractResult<&[f32]> {
    t.try_as_plain_ram()?.as_slice::<f32>()
}

fn tensor_from(data: Vec<f32>, side: u32) -> Result<Tensor, PoseError> {
    tract_ndarray::Array4::from_shape_vec((1, side as usize, side as usize, 3), data)
        .map(Tensor::from)
        .map_err(|e| PoseError::Model { file: "input", detail: e.to_string() })
}

/// One file's outcome in a batch.
#[derive(Debug)]
pub struct BatchItem {
    /// The file.
    pub path: PathBuf,
    /// Decoding time (zero when decoding failed).
    pub decode_time: Duration,
    /// The estimate, or why this file failed. One bad file does not stop the batch.
    pub result: Result<Estimate, PoseError>,
}

/// Decodes and estimates many files on `threads` worker threads (0 = one per core), calling
/// `progress(done, total)` after each file. Results come back in the order of `paths`.
pub fn estimate_batch(
    estimator: &PoseEstimator,
    paths: &[PathBuf],
    limits: &Limits,
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<BatchItem> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, usize::from) } else { threads };
    let threads = threads.clamp(1, paths.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<BatchItem>> = (0..paths.len()).map(|_| None).collect();
    let results = Mutex::new(&mut slots);
    let work = || {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(path) = paths.get(i) else { break };
            let item = run_one(estimator, path, limits);
            results.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(item);
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(n, paths.len());
        }
    };
    std::thread::scope(|s| {
        // A platform without threads (WebAssembly) refuses the spawn; the caller's thread
        // then does all the work.
        let workers: Vec<_> = (0..threads).map_while(|_| std::thread::Builder::new().spawn_scoped(s, work).ok()).collect();
        if workers.is_empty() {
            work();
        }
        // Joining explicitly keeps a panicking worker from tearing down the caller; its file
        // is reported as failed below.
        for w in workers {
            let _ = w.join();
        }
    });
    slots
        .into_iter()
        .zip(paths)
        .map(|(slot, path)| {
            slot.unwrap_or_else(|| BatchItem {
                path: path.clone(),
                decode_time: Duration::ZERO,
                result: Err(PoseError::Worker { path: path.clone() }),
            })
        })
        .collect()
}

fn run_one(estimator: &PoseEstimator, path: &Path, limits: &Limits) -> BatchItem {
    match decode_file(path, limits) {
        Ok(img) => BatchItem { path: path.to_owned(), decode_time: img.decode_time(), result: estimator.estimate(&img) },
        Err(e) => BatchItem { path: path.to_owned(), decode_time: Duration::ZERO, result: Err(e) },
    }
}
