//! Golden tests: the Rust pipeline against MediaPipe 0.10.21's own landmarks on the crate's
//! test images (`test_data/`, with a trimmed copy of the reference JSON), for both models.
//! The larger shared set is in `shared_set.rs`; speed is measured in `benches/`, not here.

mod common;

use tonus_pose::ModelKind;

fn run(kind: ModelKind) {
    let root = common::local_root();
    let reference = common::load_reference(&root.join("mediapipe-0.10.21.json"));
    let s = common::check_golden(&root, &reference, kind);
    s.print(&format!("local test_data, {kind}"));
    assert!(s.images >= 12, "only {} images compared", s.images);
    assert!(s.failures.is_empty(), "{} landmarks or images disagree with MediaPipe", s.failures.len());
}

#[test]
fn full_model_matches_mediapipe() {
    run(ModelKind::Full);
}

#[test]
fn lite_model_matches_mediapipe() {
    run(ModelKind::Lite);
}
