//! Tracking mode on real photos used as video frames: the detector runs on the first frame and
//! again only when the person is lost, a tracked frame finds the same landmarks as the photo
//! pipeline, and RGBA frames of the wrong size are refused.

use tonus_pose::{DecodedImage, Limits, ModelKind, PoseError, PoseEstimator, PoseTracker, RgbImage};

fn frame(path: &str) -> DecodedImage {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(path);
    tonus_pose::decode_file(&path, &Limits::default()).unwrap()
}

fn rgba(img: &DecodedImage) -> (Vec<u8>, u32, u32) {
    let rgb = img.to_rgb();
    (rgb.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect(), rgb.width(), rgb.height())
}

#[test]
fn the_detector_runs_first_and_again_only_when_the_person_is_lost() {
    let estimator = PoseEstimator::new(ModelKind::Lite).unwrap();
    let mut tracker = PoseTracker::new(estimator.clone());
    let person = frame("front/misc/skimage_astronaut.png");
    let photo = estimator.estimate(&person).unwrap();
    let still = photo.landmarks.as_ref().unwrap();

    let first = tracker.track(&person).unwrap();
    assert!(first.detector_ran && tracker.is_tracking());
    assert_eq!(first.estimate.landmarks, photo.landmarks, "the first frame is the photo pipeline");

    let mut previous = still.clone();
    let mut shake = 0f32;
    for i in 0..8 {
        let next = tracker.track(&person).unwrap();
        assert!(!next.detector_ran, "a person still there is followed without the detector");
        assert_eq!((next.estimate.persons_found, next.estimate.detection_score), (1, None));
        let lms = next.estimate.landmarks.unwrap();
        let moved = |a: &[tonus_pose::Landmark], b: &[tonus_pose::Landmark]| {
            a.iter().zip(b).take(13).map(|(p, q)| (p.x - q.x).hypot(p.y - q.y)).fold(0f32, f32::max)
        };
        // The landmark model's own region is not the detector's (here 0.05 of the width to the
        // side and 2° less rotated: this portrait's hips are out of frame and guessed, so the
        // region is 2.5 image widths and the face small in it), so the face and shoulders
        // land a few per cent from the photo's, and the hands at the bottom edge further
        // (not compared)...
        assert!(moved(&lms, still) < 0.06, "frame {i}: {} from the photo's", moved(&lms, still));
        // ...and on a still frame they shake by about a per cent from frame to frame, which
        // the webcam metrics' real-change thresholds are measured to absorb.
        shake = shake.max(moved(&lms, &previous));
        previous = lms;
    }
    assert!(shake < 0.025, "face and shoulders shook by {shake} of the image on a still frame");

    let empty = DecodedImage::from_rgb("empty room", RgbImage::from_pixel(512, 512, image::Rgb([90, 90, 90])));
    let lost = tracker.track(&empty).unwrap();
    assert!(lost.detector_ran, "a lost person makes the detector run on the same frame");
    assert_eq!(lost.estimate.landmarks, None);
    assert!(!tracker.is_tracking());

    let back = tracker.track(&person).unwrap();
    assert!(back.detector_ran && back.estimate.landmarks.is_some(), "and find the person again when they return");
    tracker.reset();
    assert!(tracker.track(&person).unwrap().detector_ran, "reset forgets the person");
}

#[test]
fn an_rgba_frame_is_the_same_image_and_a_wrong_size_is_refused() {
    let person = frame("front/misc/skimage_astronaut.png");
    let (bytes, w, h) = rgba(&person);
    let from_rgba = DecodedImage::from_rgba("frame", w, h, &bytes, &Limits::default()).unwrap();
    assert_eq!(from_rgba.to_rgb(), person.to_rgb());

    let short = DecodedImage::from_rgba("frame", w, h, &bytes[..bytes.len() - 4], &Limits::default()).unwrap_err();
    assert!(matches!(short, PoseError::UnsupportedFormat { .. }), "{short:?}");
    assert!(short.to_string().contains("frame") && short.to_string().contains(&format!("{w}x{h}")), "{short}");
    let empty = DecodedImage::from_rgba("frame", 0, 0, &[], &Limits::default()).unwrap_err();
    assert!(matches!(empty, PoseError::TooSmall { .. }), "{empty:?}");
    let huge = DecodedImage::from_rgba("frame", 20_000, 1, &[], &Limits::default()).unwrap_err();
    assert!(matches!(huge, PoseError::TooLarge { .. }), "{huge:?}");
}
