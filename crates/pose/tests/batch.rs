//! `estimate_batch` on real photos: results come back in input order, one bad file does not
//! stop the others, progress is reported for every file, and the result for each photo is the
//! same as a single-threaded `estimate`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use tonus_pose::{Limits, ModelKind, PoseError, PoseEstimator, decode_file, estimate_batch};

#[test]
fn batch_keeps_order_reports_failures_and_matches_single_runs() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data");
    let dir = std::env::temp_dir().join(format!("tonus-pose-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("not-a-photo.jpg");
    std::fs::write(&bad, b"plain text").unwrap();
    let paths = vec![
        root.join("side/sitting_posture_recognition/jav.jpg"),
        bad.clone(),
        root.join("side/misc/skimage_camera.png"),
        dir.join("missing.jpg"),
        root.join("side/sitting_posture_recognition/recline.jpg"),
    ];
    let est = PoseEstimator::new(ModelKind::Lite).unwrap();
    let calls = AtomicUsize::new(0);
    let out = estimate_batch(&est, &paths, &Limits::default(), 2, &|done, total| {
        assert!(done <= total);
        calls.fetch_add(1, Ordering::Relaxed);
    });
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(calls.load(Ordering::Relaxed), paths.len());
    assert_eq!(out.iter().map(|i| i.path.clone()).collect::<Vec<_>>(), paths);
    assert!(matches!(out[1].result, Err(PoseError::UnsupportedFormat { .. })));
    assert!(matches!(out[3].result, Err(PoseError::Io { .. })));
    for i in [0, 2, 4] {
        let batch = out[i].result.as_ref().unwrap();
        let single = est.estimate(&decode_file(&paths[i], &Limits::default()).unwrap()).unwrap();
        assert_eq!(batch.landmarks, single.landmarks, "{}", paths[i].display());
        assert_eq!(batch.persons_found, 1);
    }
}
