//! The webcam metrics on real frontal webcam frames (`shared/testdata/video/neck_pose_frames`:
//! one seated person holding an upright head, then the limit of acceptable poking chin, then
//! the worst), through the module's own session: every frame readable, the knowledge base's
//! real-change thresholds above the noise measured on them, and a baseline calibrated on the
//! upright frames seeing the worst posture beyond those thresholds and the upright one not.
//!
//! The frames have no licence to be committed, so the test reads them from `../shared`
//! (`TONUS_SHARED_TESTDATA` overrides) and says so and passes where it is absent.

use std::path::{Path, PathBuf};

use tonus_core::KnowledgeBase;
use tonus_core::knowledge::WebcamMetricId;
use tonus_core::webcam::{self, Geometry};
use tonus_wasm::Session;

fn frames_root() -> Option<PathBuf> {
    let root = match std::env::var_os("TONUS_SHARED_TESTDATA") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"),
    };
    let dir = root.join("video/neck_pose_frames");
    dir.is_dir().then_some(dir)
}

fn read(session: &mut Session, dir: &Path) -> Vec<Geometry> {
    session.reset();
    let mut paths: Vec<_> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "jpg")).collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let img = tonus_pose::decode_file(path, &tonus_pose::Limits::default()).unwrap().to_rgb();
            let (w, h) = img.dimensions();
            let rgba: Vec<u8> = img.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
            let report = session.track_frame(&rgba, w, h).unwrap();
            report.geometry.unwrap_or_else(|| panic!("{}: {:?}", path.display(), report.quality))
        })
        .collect()
}

fn median_drift(frames: &[Geometry], baseline: &webcam::Baseline, metric: WebcamMetricId) -> f64 {
    let k = WebcamMetricId::ALL.iter().position(|m| *m == metric).unwrap();
    let mut v: Vec<f64> = frames.iter().filter_map(|g| webcam::drift(g, baseline)[k].value).collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn real_webcam_frames_separate_upright_from_poking_chin_beyond_the_noise() {
    let Some(root) = frames_root() else {
        eprintln!("skipped: ../shared/testdata/video/neck_pose_frames is not here");
        return;
    };
    let kb = KnowledgeBase::embedded().unwrap();
    let mut session = Session::default();
    let upright = read(&mut session, &root.join("case4"));
    let limit = read(&mut session, &root.join("case3"));
    let worst = read(&mut session, &root.join("case1"));
    assert_eq!((upright.len(), limit.len(), worst.len()), (13, 18, 18));

    for n in webcam::noise(&[&upright, &limit, &worst]) {
        let threshold = kb.webcam_metric(n.metric).real_change;
        assert!(
            threshold >= n.real_change * 0.99,
            "{}: knowledge real_change {threshold} is below the measured noise {:.4}; re-measure with the webcam_noise example",
            n.metric.as_str(),
            n.real_change
        );
    }

    let baseline = webcam::calibrate(&upright).unwrap();
    for metric in [WebcamMetricId::HeadDrop, WebcamMetricId::ScreenCloseness, WebcamMetricId::ShoulderElevation] {
        let threshold = kb.webcam_metric(metric).real_change;
        let (still, poked) = (median_drift(&upright, &baseline, metric), median_drift(&worst, &baseline, metric));
        assert!(still.abs() < threshold, "{}: upright frames drift {still} against their own baseline", metric.as_str());
        assert!(poked > threshold, "{}: the worst poking chin drifts only {poked} (threshold {threshold})", metric.as_str());
    }
    let head_drop = kb.webcam_metric(WebcamMetricId::HeadDrop).real_change;
    assert!(
        median_drift(&limit, &baseline, WebcamMetricId::HeadDrop) > head_drop,
        "the limit of acceptable poking chin shows as head drop"
    );
}
