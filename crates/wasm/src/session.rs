//! The state behind the exported functions: the buffers, the tracker, the knowledge base,
//! the calibration under way and the baseline. Native code (the tests, the noise example)
//! drives the same [`Session`] through its typed methods.

use serde::Serialize;
use tonus_app::photo::{self, PhotoOptions};
use tonus_core::KnowledgeBase;
use tonus_core::knowledge::{WebcamGates, WebcamMetricId};
use tonus_core::landmarks::{Landmark, Posture};
use tonus_core::webcam::{self, Baseline, Frame, Geometry};
use tonus_pose::{DecodedImage, Limits, ModelKind, PoseEstimator, PoseTracker};

use crate::api::{BaselineDoc, DriftDoc, ErrorDoc, FrameReport, Loaded, MetricInfo, Quality};

/// Frames wider or taller than this are refused: a webcam frame is at most 4K.
const MAX_FRAME_SIDE: u32 = 4096;

/// One module instance's state.
#[derive(Debug, Default)]
pub struct Session {
    input: Vec<u8>,
    output: Vec<u8>,
    loaded: Option<Models>,
    calibration: Option<Vec<Geometry>>,
    baseline: Option<Baseline>,
}

/// What [`Session::init`] loads, with what every frame reads from the knowledge base taken
/// out once.
#[derive(Debug)]
struct Models {
    tracker: PoseTracker,
    kb: KnowledgeBase,
    gates: WebcamGates,
    /// Each metric's real-change threshold, in [`WebcamMetricId::ALL`] order.
    real_change: [f64; 5],
}

impl Session {
    /// The input buffer, made `len` bytes long.
    pub fn input(&mut self, len: usize) -> &mut [u8] {
        self.input.clear();
        self.input.resize(len, 0);
        &mut self.input
    }

    /// The last answer.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    fn answer<T: Serialize>(&mut self, result: Result<T, String>) -> u32 {
        let (text, code) = match result {
            Ok(value) => match serde_json::to_vec(&value) {
                Ok(text) => (text, 0),
                Err(e) => (error_json(&format!("cannot write the answer: {e}")), 1),
            },
            Err(error) => (error_json(&error), 1),
        };
        self.output = text;
        code
    }

    fn loaded(&mut self) -> Result<&mut Models, String> {
        if self.loaded.is_none() {
            let estimator = PoseEstimator::new(ModelKind::Lite).map_err(|e| e.to_string())?;
            let kb = KnowledgeBase::embedded().map_err(|e| e.to_string())?;
            let gates = kb.webcam_gates().clone();
            let real_change = WebcamMetricId::ALL.map(|id| kb.webcam_metric(id).real_change);
            self.loaded = Some(Models { tracker: PoseTracker::new(estimator), kb, gates, real_change });
        }
        Ok(self.loaded.as_mut().expect("loaded just above"))
    }

    /// Loads the models and the knowledge base.
    pub fn init(&mut self) -> u32 {
        let r = self.loaded().map(|_| Loaded {
            model: photo::model_name(ModelKind::Lite),
            model_version: format!("mediapipe-pose {}", tonus_pose::MEDIAPIPE_POSE_VERSION),
        });
        self.answer(r)
    }

    /// `tonus_photo` on the input buffer.
    pub fn photo(&mut self, name_len: usize, standing: bool) -> u32 {
        let input = std::mem::take(&mut self.input);
        let r = match input.split_at_checked(name_len) {
            Some((name, bytes)) => match std::str::from_utf8(name) {
                Ok(name) => self.photo_json(name, bytes, standing),
                Err(_) => Err("the photo's name is not UTF-8".into()),
            },
            None => Err(format!("the input holds {} bytes, fewer than the name's {name_len}", input.len())),
        };
        self.input = input;
        match r {
            Ok(text) => {
                self.output = text.into_bytes();
                0
            }
            Err(e) => self.answer::<()>(Err(e)),
        }
    }

    /// A photo's landmarks in the JSON `tonus pose --json --model lite` prints for it.
    pub fn photo_json(&mut self, name: &str, bytes: &[u8], standing: bool) -> Result<String, String> {
        let estimator = self.loaded()?.tracker.estimator().clone();
        let opts = PhotoOptions { posture: if standing { Posture::Standing } else { Posture::Sitting }, view: None };
        let result = photo::measure_bytes(&estimator, bytes, name, &opts).map_err(|e| e.to_string())?;
        let value = match &result.landmarks {
            Some(f) => serde_json::to_value(f),
            None => Ok(serde_json::json!({ "file": result.file, "person_found": false })),
        };
        value.and_then(|v| serde_json::to_string_pretty(&v)).map(|s| s + "\n").map_err(|e| format!("cannot write the landmarks: {e}"))
    }

    /// `tonus_track` on the input buffer.
    pub fn track(&mut self, width: u32, height: u32) -> u32 {
        let input = std::mem::take(&mut self.input);
        let r = self.track_frame(&input, width, height);
        self.input = input;
        self.answer(r)
    }

    /// Tracks the person in one RGBA frame and reads it through the webcam metrics.
    pub fn track_frame(&mut self, rgba: &[u8], width: u32, height: u32) -> Result<FrameReport, String> {
        let limits = Limits { max_side: MAX_FRAME_SIDE, ..Limits::default() };
        let frame = DecodedImage::from_rgba("camera frame", width, height, rgba, &limits).map_err(|e| e.to_string())?;
        let brightness = brightness(rgba);
        let loaded = self.loaded()?;
        let tracked = loaded.tracker.track(&frame).map_err(|e| e.to_string())?;
        let (gates, real_change) = (loaded.gates.clone(), loaded.real_change);
        let landmarks: Option<Vec<Landmark>> = tracked.estimate.landmarks.as_ref().map(|lms| {
            lms.iter()
                .map(|l| Landmark {
                    x: f64::from(l.x),
                    y: f64::from(l.y),
                    z: f64::from(l.z),
                    visibility: f64::from(l.visibility).clamp(0.0, 1.0),
                })
                .collect()
        });
        let reading = webcam::read(&Frame { width, height, landmarks: landmarks.as_deref(), brightness: Some(brightness) }, &gates);
        if let (Some(frames), Ok(g)) = (self.calibration.as_mut(), &reading.geometry) {
            frames.push(*g);
        }
        let drift = match (&reading.geometry, &self.baseline) {
            (Ok(g), Some(b)) => webcam::drift(g, b).iter().zip(&real_change).map(|(d, &rc)| DriftDoc::new(d, rc)).collect(),
            _ => Vec::new(),
        };
        Ok(FrameReport {
            detector_ran: tracked.detector_ran,
            present: reading.present,
            pose_presence: tracked.estimate.pose_presence,
            landmarks: tracked
                .estimate
                .landmarks
                .as_ref()
                .map(|lms| lms.iter().map(|l| [l.x, l.y, l.z, l.visibility, l.presence]).collect()),
            brightness,
            quality: Quality::from(reading.geometry.as_ref()),
            geometry: reading.geometry.ok(),
            drift,
            calibration_frames: self.calibration.as_ref().map(Vec::len),
        })
    }

    /// Forgets the tracked person.
    pub fn reset(&mut self) -> u32 {
        if let Some(l) = self.loaded.as_mut() {
            l.tracker.reset();
        }
        self.answer(Ok(()))
    }

    /// Starts a calibration (dropping one under way).
    pub fn calibration_start(&mut self) -> u32 {
        self.calibration = Some(Vec::new());
        self.answer(Ok(()))
    }

    /// Ends the calibration; the baseline becomes the one drift is measured against.
    pub fn calibration_finish(&mut self) -> u32 {
        let r = self.finish_calibration();
        self.answer(r)
    }

    /// [`Self::calibration_finish`], typed.
    pub fn finish_calibration(&mut self) -> Result<BaselineDoc, String> {
        let frames = self.calibration.take().ok_or("no calibration was started")?;
        let baseline = webcam::calibrate(&frames).map_err(|e| e.to_string())?;
        self.baseline = Some(baseline);
        Ok(BaselineDoc::from(&baseline))
    }

    /// Sets the baseline from the input buffer's JSON.
    pub fn baseline_set(&mut self) -> u32 {
        let r = serde_json::from_slice::<BaselineDoc>(&self.input)
            .map_err(|e| format!("baseline: {e}"))
            .and_then(|doc| doc.to_core())
            .map(|b| self.baseline = Some(b));
        self.answer(r)
    }

    /// The webcam metrics' descriptions.
    pub fn metrics(&mut self) -> u32 {
        let r = self.loaded().map(|l| {
            l.kb.webcam_metrics()
                .iter()
                .map(|m| MetricInfo {
                    id: m.id,
                    name: m.name.clone(),
                    unit: m.unit.clone(),
                    proxy_for: m.proxy_for.clone(),
                    positive_means: m.positive_means.clone(),
                    negative_means: m.negative_means.clone(),
                    real_change: m.real_change,
                    certainty: m.certainty,
                })
                .collect::<Vec<_>>()
        });
        self.answer(r)
    }
}

fn error_json(message: &str) -> Vec<u8> {
    serde_json::to_vec(&ErrorDoc { error: message.to_owned() }).unwrap_or_else(|_| br#"{"error":"unknown"}"#.to_vec())
}

/// Mean luma (BT.601) of an RGBA frame, from every fourth pixel.
fn brightness(rgba: &[u8]) -> f64 {
    let (sum, n) = rgba
        .chunks_exact(4)
        .step_by(4)
        .fold((0.0, 0u64), |(s, n), p| (s + 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]), n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}
