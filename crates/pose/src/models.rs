//! The embedded MediaPipe models: their bytes (`include_bytes!` from `models/`), the SHA-256
//! check at load, the in-memory rewrite, and tract's optimised runnable plans.
//!
//! Loading is done once per process per model (a `OnceLock` each), so every
//! [`crate::PoseEstimator`] shares the same `Arc`'d plans. Running the plans lives in
//! `estimator.rs`; this module knows nothing about images.

use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};
use tract_tflite::prelude::*;

use crate::PoseError;
use crate::simd::Kernel;

/// Which landmark model to run. The detector is the same for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ModelKind {
    /// `pose_landmark_lite.tflite`: faster, a little less accurate.
    Lite,
    /// `pose_landmark_full.tflite`: the default for photos.
    #[default]
    Full,
}

/// The version of the MediaPipe Pose package the models come from.
pub const MEDIAPIPE_POSE_VERSION: &str = "0.5.1675469404";

impl ModelKind {
    /// A stable, human-readable name with the model's provenance, for reports and storage.
    pub fn version(self) -> &'static str {
        match self {
            Self::Lite => "blazepose-lite (mediapipe pose 0.5.1675469404)",
            Self::Full => "blazepose-full (mediapipe pose 0.5.1675469404)",
        }
    }

    fn model(self) -> &'static EmbeddedModel {
        match self {
            Self::Lite => &LANDMARK_LITE,
            Self::Full => &LANDMARK_FULL,
        }
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.version())
    }
}

/// A model file compiled into the binary, with the digest recorded in `models/SHA256SUMS`.
#[derive(Debug)]
pub(crate) struct EmbeddedModel {
    pub(crate) file: &'static str,
    bytes: &'static [u8],
    sha256: &'static str,
    /// The subgraph outputs kept, in the order the pipeline reads them.
    outputs: &'static [&'static str],
}

pub(crate) static DETECTOR: EmbeddedModel = EmbeddedModel {
    file: "pose_detection.tflite",
    bytes: include_bytes!("../../../models/pose_detection.tflite"),
    sha256: "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85",
    // Boxes and keypoints [1, 2254, 12], then score logits [1, 2254, 1].
    outputs: &["Identity", "Identity_1"],
};

/// Landmark outputs kept: landmarks [1, 195], pose flag [1, 1], heatmap [1, 64, 64, 39].
/// The segmentation mask (`Identity_2`) and world landmarks (`Identity_4`) are pruned: posture
/// needs neither, and the mask alone roughly doubles the landmark model's cost.
const LANDMARK_OUTPUTS: &[&str] = &["Identity", "Identity_1", "Identity_3"];

pub(crate) static LANDMARK_LITE: EmbeddedModel = EmbeddedModel {
    file: "pose_landmark_lite.tflite",
    bytes: include_bytes!("../../../models/pose_landmark_lite.tflite"),
    sha256: "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    outputs: LANDMARK_OUTPUTS,
};

pub(crate) static LANDMARK_FULL: EmbeddedModel = EmbeddedModel {
    file: "pose_landmark_full.tflite",
    #[cfg(feature = "full-model")]
    bytes: include_bytes!("../../../models/pose_landmark_full.tflite"),
    // The browser build leaves the 6 MB full model out; asking for it there is an error.
    #[cfg(not(feature = "full-model"))]
    bytes: &[],
    sha256: "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    outputs: LANDMARK_OUTPUTS,
};

/// An optimised tract plan, shared between estimators and threads.
pub(crate) type Plan = Arc<TypedRunnableModel>;

impl EmbeddedModel {
    /// Checks the embedded bytes against the recorded digest.
    pub(crate) fn verify(&self) -> Result<(), PoseError> {
        check_sha256(self.file, self.bytes, self.sha256)
    }

    /// The plan the pipeline runs: our convolutions on the fastest kernel this CPU supports,
    /// detected here, once per model.
    fn load(&self) -> Result<Plan, PoseError> {
        self.load_plan(Some(Kernel::detect())).map(|(plan, _)| plan)
    }

    /// Verifies, rewrites, declutters, swaps in our stem, depthwise and pointwise convolutions
    /// running on `own_ops` (or leaves tract's, for comparison, with `None`) and optimises.
    /// Returns the plan and how many convolutions were swapped.
    fn load_plan(&self, own_ops: Option<Kernel>) -> Result<(Plan, usize), PoseError> {
        if self.bytes.is_empty() {
            return Err(PoseError::Model {
                file: self.file,
                detail: "this build leaves the model out (tonus-pose without its `full-model` feature, as in the browser build); use the lite model".into(),
            });
        }
        self.verify()?;
        let err = |stage: &str, e: &dyn std::fmt::Display| PoseError::Model { file: self.file, detail: format!("{stage}: {e}") };
        let rewritten = crate::rewrite::rewrite(self.bytes, self.outputs).map_err(|e| err("rewrite", &e))?;
        // tract copies the bytes into its proto model; the rewritten copy goes before tract
        // builds its graph from it, so no more than two copies of the weights are ever held.
        let tflite = tract_tflite::tflite();
        let proto = tflite.proto_model_for_read(&mut rewritten.bytes()).map_err(|e| err("load", &format!("{e:#}")))?;
        drop(rewritten);
        let model = tflite.model_for_proto_model(&proto).map_err(|e| err("load", &format!("{e:#}")))?;
        drop(proto);
        let mut model = model.into_decluttered().map_err(|e| err("declutter", &format!("{e:#}")))?;
        let swapped = if let Some(kernel) = own_ops {
            let stems = crate::stem::replace_stems(&mut model, kernel).map_err(|e| err("stem", &format!("{e:#}")))?;
            let depthwise = crate::dwconv::replace_depthwise(&mut model, kernel).map_err(|e| err("depthwise", &format!("{e:#}")))?;
            let pointwise = crate::pointwise::replace_pointwise(&mut model, kernel).map_err(|e| err("pointwise", &format!("{e:#}")))?;
            stems + depthwise + pointwise
        } else {
            0
        };
        let plan = model.into_optimized().and_then(|m| m.into_runnable()).map_err(|e| err("optimise", &format!("{e:#}")))?;
        Ok((plan, swapped))
    }
}

/// Compares the SHA-256 of `bytes` with `expected` (lowercase hex).
pub(crate) fn check_sha256(file: &'static str, bytes: &[u8], expected: &'static str) -> Result<(), PoseError> {
    let actual = hex::encode(Sha256::digest(bytes));
    if actual == expected { Ok(()) } else { Err(PoseError::ModelChecksum { file, expected, actual }) }
}

/// The loaded plans, once per process. A failed load is remembered as its message, so a
/// broken build fails the same way every time instead of retrying the expensive load.
static DETECTOR_PLAN: OnceLock<Result<Plan, String>> = OnceLock::new();
static LITE_PLAN: OnceLock<Result<Plan, String>> = OnceLock::new();
static FULL_PLAN: OnceLock<Result<Plan, String>> = OnceLock::new();

fn cached(cell: &OnceLock<Result<Plan, String>>, model: &'static EmbeddedModel) -> Result<Plan, PoseError> {
    match cell.get_or_init(|| model.load().map_err(|e| e.to_string())) {
        Ok(plan) => Ok(plan.clone()),
        Err(e) => Err(PoseError::Model { file: model.file, detail: e.clone() }),
    }
}

pub(crate) fn detector_plan() -> Result<Plan, PoseError> {
    cached(&DETECTOR_PLAN, &DETECTOR)
}

pub(crate) fn landmark_plan(kind: ModelKind) -> Result<Plan, PoseError> {
    match kind {
        ModelKind::Lite => cached(&LITE_PLAN, kind.model()),
        ModelKind::Full => cached(&FULL_PLAN, kind.model()),
    }
}

/// Development aid behind `examples/op_profile.rs`: runs `model` ("detector", "lite" or "full")
/// `runs` times on a zero input and returns, per node of the optimised plan, its name, its
/// operator as tract describes it, and the median time it took. Not part of the pipeline.
#[doc(hidden)]
pub fn op_profile(model: &str, runs: usize) -> Result<Vec<(String, String, std::time::Duration)>, PoseError> {
    let (plan, side) = match model {
        "detector" => (detector_plan()?, 224),
        "lite" => (landmark_plan(ModelKind::Lite)?, 256),
        _ => (landmark_plan(ModelKind::Full)?, 256),
    };
    let err = |e: TractError| PoseError::Model { file: "profile", detail: format!("{e:#}") };
    let input: TValue = Tensor::zero::<f32>(&[1, side, side, 3]).map_err(err)?.into();
    let nodes = plan.model().nodes().len();
    let mut times: Vec<Vec<std::time::Duration>> = vec![Vec::new(); nodes];
    let mut state = tract_core::plan::SimpleState::new(&plan).map_err(err)?;
    for _ in 0..runs {
        state
            .run_plan_with_eval(tvec![input.clone()], |ctx, op_state, node, inputs| {
                let start = std::time::Instant::now();
                let out = tract_core::plan::eval(ctx, op_state, node, inputs);
                times[node.id].push(start.elapsed());
                out
            })
            .map_err(err)?;
    }
    for t in &mut times {
        t.sort();
    }
    Ok(plan
        .model()
        .nodes()
        .iter()
        .filter(|n| !times[n.id].is_empty())
        .map(|n| {
            let t = &times[n.id];
            (n.name.clone(), format!("{} {}", n.op.name(), n.op.info().unwrap_or_default().join(" ")), t[t.len() / 2])
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_models_match_their_digests() {
        for m in [&DETECTOR, &LANDMARK_LITE, &LANDMARK_FULL] {
            m.verify().unwrap();
        }
    }

    #[test]
    fn digests_agree_with_sha256sums_file() {
        let sums = include_str!("../../../models/SHA256SUMS");
        for m in [&DETECTOR, &LANDMARK_LITE, &LANDMARK_FULL] {
            assert!(sums.lines().any(|l| l.starts_with(m.sha256) && l.ends_with(m.file)), "{} not in SHA256SUMS", m.file);
        }
    }

    #[test]
    fn tampered_bytes_are_refused() {
        let mut bytes = DETECTOR.bytes.to_vec();
        bytes[1000] ^= 1;
        let err = check_sha256(DETECTOR.file, &bytes, DETECTOR.sha256).unwrap_err();
        assert!(err.to_string().contains("pose_detection.tflite"), "{err}");
        assert!(matches!(err, PoseError::ModelChecksum { .. }));
    }

    #[test]
    fn rewritten_models_load_and_run() {
        let det = detector_plan().unwrap();
        let out = det.run(tvec![Tensor::zero::<f32>(&[1, 224, 224, 3]).unwrap().into()]).unwrap();
        assert_eq!(out[0].shape(), &[1, 2254, 12]);
        assert_eq!(out[1].shape(), &[1, 2254, 1]);
        for kind in [ModelKind::Lite, ModelKind::Full] {
            let lm = landmark_plan(kind).unwrap();
            let out = lm.run(tvec![Tensor::zero::<f32>(&[1, 256, 256, 3]).unwrap().into()]).unwrap();
            assert_eq!(out.len(), 3);
            assert_eq!(out[0].shape(), &[1, 195]);
            assert_eq!(out[1].shape(), &[1, 1]);
            assert_eq!(out[2].shape(), &[1, 64, 64, 39]);
        }
    }

    /// Our stem, depthwise and pointwise convolutions (with their absorbed bias, residual and
    /// ReLU6) give what tract's own give, on every such layer of all three models, for two
    /// non-trivial inputs, with every kernel this CPU supports. Run in a test build, this also
    /// has `simd.rs` check that every kernel writes every output element of every convolution
    /// shape the models use.
    #[test]
    fn own_convolutions_match_tract() {
        // One stem, 28 depthwise and 40 pointwise convolutions in the detector (the other four
        // products have an output width that is not a multiple of eight and stay with tract).
        for (model, side, expect_swapped) in [(&DETECTOR, 224, Some(1 + 28 + 40)), (&LANDMARK_LITE, 256, None), (&LANDMARK_FULL, 256, None)]
        {
            let (theirs, none) = model.load_plan(None).unwrap();
            assert_eq!(none, 0);
            let inputs: Vec<TValue> = [7919u64, 104_729]
                .iter()
                .map(|&prime| {
                    let values: Vec<f32> = (0..side * side * 3).map(|i| ((i as u64 * prime) % 255) as f32 / 127.5 - 1.0).collect();
                    Tensor::from(tract_ndarray::Array4::from_shape_vec((1, side, side, 3), values).unwrap()).into()
                })
                .collect();
            let want: Vec<_> = inputs.iter().map(|input| theirs.run(tvec![input.clone()]).unwrap()).collect();
            for kernel in Kernel::all() {
                let (ours, swapped) = model.load_plan(Some(kernel)).unwrap();
                assert!(swapped > 0 && expect_swapped.is_none_or(|n| n == swapped), "{} swapped {swapped}", model.file);
                for (input, want) in inputs.iter().zip(&want) {
                    let got = ours.run(tvec![input.clone()]).unwrap();
                    for (x, y) in got.iter().zip(want) {
                        let (x, y) = (x.to_plain_array_view::<f32>().unwrap(), y.to_plain_array_view::<f32>().unwrap());
                        let worst = x.iter().zip(y.iter()).map(|(p, q)| (p - q).abs() / (1.0 + q.abs())).fold(0f32, f32::max);
                        assert!(worst < 1e-3, "{} with the {kernel} kernel: outputs differ by {worst}", model.file);
                    }
                }
            }
        }
    }

    #[test]
    fn version_strings_name_the_package() {
        assert_eq!(ModelKind::default(), ModelKind::Full);
        assert!(ModelKind::Lite.version().contains(MEDIAPIPE_POSE_VERSION));
        assert!(ModelKind::Full.version().starts_with("blazepose-full"));
    }
}
