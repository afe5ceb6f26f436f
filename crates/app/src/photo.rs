//! Photos in: decode, run the pose model, and turn the result into the engine's landmark file
//! format with its provenance (model, version, automatic), plus the annotated image with the
//! landmarks and the measured lines and angles. The pose crate does the pixels; this module
//! decides what a measurement records and what the overlay says.

use std::path::{Path, PathBuf};

use tonus_core::KnowledgeBase;
use tonus_core::landmarks::idx;
use tonus_core::metrics::{self, Gates, MetricValue};
use tonus_core::vocab::{LandmarkSource, Posture, View};
use tonus_pose::{DecodedImage, Estimate, Limits, Overlay};
pub use tonus_pose::{ModelKind, PoseEstimator};

use crate::error::AppError;
use crate::landmarks::{Capture, Image, LandmarkFile};
use crate::words;

/// How a photo was taken, as the user says.
#[derive(Debug, Clone)]
pub struct PhotoOptions {
    /// Sitting or standing.
    pub posture: Posture,
    /// The view, or None to detect it.
    pub view: Option<View>,
}

/// One photo's outcome.
#[derive(Debug, Clone)]
pub struct PhotoResult {
    /// The file as the user named it.
    pub file: String,
    /// The decoded image (for annotation).
    pub image: DecodedImage,
    /// What the model returned.
    pub estimate: Estimate,
    /// The landmark file, when a person was found.
    pub landmarks: Option<LandmarkFile>,
}

impl PhotoResult {
    /// "no person found" or "1 person found" / "3 people found; measured the most prominent".
    pub fn people(&self) -> String {
        match (self.estimate.persons_found, self.landmarks.is_some()) {
            (_, false) => "no person found".to_string(),
            (0 | 1, true) => "1 person found".to_string(),
            (n, true) => format!("{n} people found; measured the most prominent"),
        }
    }
}

/// The model's name as recorded with every automatic measurement.
pub fn model_name(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Lite => "blazepose-lite",
        ModelKind::Full => "blazepose-full",
    }
}

/// Turns an estimate into a landmark file with its provenance.
pub fn to_landmark_file(file: &str, estimate: &Estimate, kind: ModelKind, opts: &PhotoOptions) -> Option<LandmarkFile> {
    let lms = estimate.landmarks.as_ref()?;
    Some(LandmarkFile {
        format_version: 1,
        image: Image { width: estimate.width, height: estimate.height, file: Some(file.to_string()) },
        view: opts.view,
        capture: Capture {
            posture: opts.posture,
            source: LandmarkSource::Automatic,
            model: Some(model_name(kind).to_string()),
            model_version: Some(format!("mediapipe-pose {}", tonus_pose::MEDIAPIPE_POSE_VERSION)),
        },
        landmarks: lms
            .iter()
            .map(|l| {
                vec![
                    f64::from(l.x),
                    f64::from(l.y),
                    f64::from(l.z),
                    f64::from(l.visibility).clamp(0.0, 1.0),
                    f64::from(l.presence).clamp(0.0, 1.0),
                ]
            })
            .collect(),
        moved: vec![],
        persons_found: Some(estimate.persons_found),
    })
}

/// Decodes a photo and runs the model on it. A photo with no person is a result, not an error.
pub fn measure(estimator: &PoseEstimator, path: &Path, opts: &PhotoOptions) -> Result<PhotoResult, AppError> {
    let file = path.display().to_string();
    let image = tonus_pose::decode_file(path, &Limits::default())?;
    let estimate = estimator.estimate(&image)?;
    let landmarks = to_landmark_file(&file, &estimate, estimator.kind(), opts);
    Ok(PhotoResult { file, image, estimate, landmarks })
}

/// Like [`measure`], for a photo already in memory (an upload); `name` names it in errors and
/// in the landmark file.
pub fn measure_bytes(estimator: &PoseEstimator, bytes: &[u8], name: &str, opts: &PhotoOptions) -> Result<PhotoResult, AppError> {
    let image = tonus_pose::decode(bytes, name, &Limits::default())?;
    let estimate = estimator.estimate(&image)?;
    let landmarks = to_landmark_file(name, &estimate, estimator.kind(), opts);
    Ok(PhotoResult { file: name.to_string(), image, estimate, landmarks })
}

/// Image files in a folder (JPEG, PNG, WebP), sorted, for batch runs.
pub fn images_in(dir: &Path) -> Result<Vec<PathBuf>, AppError> {
    let io = |source| AppError::Io { path: dir.display().to_string(), source };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        if path.is_file() && matches!(ext.as_deref(), Some("jpg" | "jpeg" | "png" | "webp")) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// The measured lines and angles to draw over a photo: the side-view proxies (ear–shoulder,
/// ear–eye, shoulder–hip) or the front-view levels (ears, shoulders), each labelled with its
/// value, or with "not measurable" and the reason.
pub fn overlays(file: &LandmarkFile, kb: &KnowledgeBase) -> Vec<Overlay> {
    let Ok(pose) = crate::landmarks::to_pose(file, "photo") else { return Vec::new() };
    let pm = metrics::compute(&pose, kb, &Gates::STANDARD);
    let p = |i: usize| {
        let l = pose.point(i);
        (l.x as f32, l.y as f32)
    };
    let label = |id: &str, short: &str| -> String {
        let unit = kb.measure(id).map_or("", |m| m.unit.as_str());
        match pm.metrics.iter().find(|m| m.measure == id).map(|m| &m.value) {
            Some(MetricValue::Measured { value, asymmetry }) => {
                let detail = asymmetry.map(|a| format!(" ({})", words::asymmetry(&a))).unwrap_or_default();
                format!("{short} {}{detail}", words::with_unit(*value, unit))
            }
            Some(MetricValue::NotMeasurable(cause)) => format!("{short}: not measurable, {}", words::not_measurable(&(*cause).into())),
            None => String::new(),
        }
    };
    if pm.view.is_side() {
        let (ear, eye, shoulder, hip) = if pm.view == View::SideLeft {
            (idx::LEFT_EAR, idx::LEFT_EYE_OUTER, idx::LEFT_SHOULDER, idx::LEFT_HIP)
        } else {
            (idx::RIGHT_EAR, idx::RIGHT_EYE_OUTER, idx::RIGHT_SHOULDER, idx::RIGHT_HIP)
        };
        // The head-tilt line is short and sits beside the ear-shoulder line, so its value goes in
        // the same label: two labels there would overlap.
        let head = format!("{}, {}", label("ear_shoulder_angle", "ear-shoulder"), label("sagittal_head_tilt", "head tilt"));
        vec![
            Overlay { from: p(shoulder), to: p(ear), label: head },
            Overlay { from: p(ear), to: p(eye), label: String::new() },
            Overlay { from: p(hip), to: p(shoulder), label: label("trunk_inclination", "trunk") },
        ]
    } else {
        vec![
            Overlay { from: p(idx::RIGHT_EAR), to: p(idx::LEFT_EAR), label: label("coronal_head_tilt", "head tilt") },
            Overlay { from: p(idx::RIGHT_SHOULDER), to: p(idx::LEFT_SHOULDER), label: label("shoulder_height_asymmetry", "shoulders") },
        ]
    }
}

/// The annotated photo as PNG bytes.
pub fn annotated_png(result: &PhotoResult, kb: &KnowledgeBase) -> Result<Vec<u8>, AppError> {
    let lms = result.estimate.landmarks.as_deref().unwrap_or(&[]);
    let ov = result.landmarks.as_ref().map(|f| overlays(f, kb)).unwrap_or_default();
    Ok(tonus_pose::annotate_png(&result.image, lms, &ov)?)
}
