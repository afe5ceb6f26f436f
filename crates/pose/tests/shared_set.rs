//! The accuracy suite on the larger shared photo set (`../shared/testdata` beside the workspace,
//! or `TONUS_SHARED_TESTDATA`): MediaPipe 0.10.21's landmarks on every image, both models, and
//! PCK@0.1 against the human COCO keypoints. It says loudly when the set is absent instead of
//! passing silently. Speed is measured by the bench, not here.

mod common;

use std::path::Path;

use tonus_pose::{Limits, ModelKind, PoseEstimator, decode_file};

fn shared_or_skip(test: &str) -> Option<std::path::PathBuf> {
    let root = common::shared_root();
    if root.is_none() {
        eprintln!("SKIPPED {test}: ../shared/testdata not found (set TONUS_SHARED_TESTDATA to run it)");
    }
    root
}

fn run(kind: ModelKind) {
    let Some(root) = shared_or_skip("shared golden set") else { return };
    let reference = common::load_reference(&root.join("reference/mediapipe-0.10.21.json"));
    let s = common::check_golden(&root, &reference, kind);
    s.print(&format!("shared testdata, {kind}"));
    assert!(s.images >= 30, "only {} images compared", s.images);
    assert!(s.failures.is_empty(), "{} landmarks or images disagree with MediaPipe", s.failures.len());
}

#[test]
fn shared_set_full_matches_mediapipe() {
    run(ModelKind::Full);
}

#[test]
fn shared_set_lite_matches_mediapipe() {
    run(ModelKind::Lite);
}

#[derive(serde::Deserialize)]
struct Coco {
    images: Vec<CocoImage>,
    annotations: Vec<CocoAnnotation>,
}

#[derive(serde::Deserialize)]
struct CocoImage {
    id: u64,
    file_name: String,
}

#[derive(serde::Deserialize)]
struct CocoAnnotation {
    image_id: u64,
    keypoints: Vec<f64>,
}

/// COCO-17 index → BlazePose index for the joints posture uses.
const JOINTS: [(&str, usize, usize); 6] = [
    ("left_ear", 3, 7),
    ("right_ear", 4, 8),
    ("left_shoulder", 5, 11),
    ("right_shoulder", 6, 12),
    ("left_hip", 11, 23),
    ("right_hip", 12, 24),
];

/// PCK@0.1 of the torso size (distance from mid-shoulder to mid-hip) for ears, shoulders and
/// hips, on the COCO images with human keypoints. Each photo gives one BlazePose person; it is
/// matched to the annotated person whose torso centre is nearest.
fn pck(root: &Path, kind: ModelKind) -> (usize, usize, usize) {
    let text = std::fs::read_to_string(root.join("keypoints_gt/coco/person_keypoints_subset.json")).expect("coco json");
    let coco: Coco = serde_json::from_str(&text).expect("coco parse");
    let est = PoseEstimator::new(kind).expect("models");
    let (mut hit, mut hit2, mut total) = (0, 0, 0);
    for im in &coco.images {
        let img = decode_file(&root.join("keypoints_gt/coco").join(&im.file_name), &Limits::default()).expect("decode");
        let (w, h) = (f64::from(img.width()), f64::from(img.height()));
        let out = est.estimate(&img).expect("estimate");
        let Some(lms) = out.landmarks else {
            eprintln!("   {}: no person found", im.file_name);
            continue;
        };
        let px = |i: usize| (f64::from(lms[i].x) * w, f64::from(lms[i].y) * h);
        let mid = |a: (f64, f64), b: (f64, f64)| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let ours = mid(mid(px(11), px(12)), mid(px(23), px(24)));
        let gt_point = |a: &CocoAnnotation, k: usize| (a.keypoints[3 * k + 2] > 0.0).then(|| (a.keypoints[3 * k], a.keypoints[3 * k + 1]));
        let torso = |a: &CocoAnnotation| -> Option<((f64, f64), f64)> {
            let (ls, rs, lh, rh) = (gt_point(a, 5)?, gt_point(a, 6)?, gt_point(a, 11)?, gt_point(a, 12)?);
            let (s, hp) = (mid(ls, rs), mid(lh, rh));
            Some((mid(s, hp), (s.0 - hp.0).hypot(s.1 - hp.1)))
        };
        let Some((ann, (_, size))) =
            coco.annotations.iter().filter(|a| a.image_id == im.id).filter_map(|a| torso(a).map(|t| (a, t))).min_by(
                |(_, (c1, _)), (_, (c2, _))| {
                    let d = |c: &(f64, f64)| (c.0 - ours.0).hypot(c.1 - ours.1);
                    d(c1).total_cmp(&d(c2))
                },
            )
        else {
            continue;
        };
        for (name, coco_k, bp_k) in JOINTS {
            let Some(g) = gt_point(ann, coco_k) else { continue };
            let p = px(bp_k);
            let d = (p.0 - g.0).hypot(p.1 - g.1);
            total += 1;
            hit += usize::from(d <= 0.1 * size);
            hit2 += usize::from(d <= 0.2 * size);
            eprintln!("   {} {name}: {:.2} torso", im.file_name, d / size);
        }
    }
    (hit, hit2, total)
}

#[test]
fn pck_on_coco_keypoints() {
    let Some(root) = shared_or_skip("PCK on COCO keypoints") else { return };
    for kind in [ModelKind::Full, ModelKind::Lite] {
        let (hit, hit2, total) = pck(&root, kind);
        let pct = |h: usize| 100.0 * h as f64 / total.max(1) as f64;
        eprintln!("== PCK@0.1 torso ({kind}): {hit}/{total} = {:.1}% (PCK@0.2: {:.1}%)", pct(hit), pct(hit2));
        assert!(total >= 12, "only {total} keypoints compared");
    }
}
