//! Pure pre- and post-processing around the BlazePose person detector, as MediaPipe's
//! `pose_detection_cpu` graph does it: SSD anchors, letterbox geometry, box and keypoint
//! decoding, weighted non-maximum suppression, letterbox removal, and the landmark ROI built
//! from the detector's keypoints.
//!
//! No model and no pixels here (the crop itself is in `warp.rs`), so everything is unit-tested
//! without tract. Coordinates are normalised unless a name says `_px`.

use std::f32::consts::PI;

/// Side of the detector's square input.
pub const DETECTOR_INPUT: u32 = 224;
/// Number of SSD anchors the detector predicts for.
pub const NUM_ANCHORS: usize = 2254;
/// Minimum detection score (after the sigmoid), as MediaPipe's `min_detection_confidence`.
pub const MIN_SCORE: f32 = 0.5;
/// IoU above which weighted NMS merges detections.
pub const NMS_IOU: f32 = 0.3;
/// MediaPipe clips score logits to this magnitude before the sigmoid.
const SCORE_CLIP: f32 = 100.0;
/// ROI side = this x the distance between detector keypoints 0 and 1 (2 x radius x 1.25).
const ROI_SCALE: f32 = 2.5;

/// An SSD anchor centre on the detector input, normalised to [0, 1]. Pose anchors have a
/// fixed size of 1, so only the centre matters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    /// Centre x.
    pub x: f32,
    /// Centre y.
    pub y: f32,
}

/// The detector's anchors in output order (MediaPipe `SsdAnchorsCalculator`: 5 layers,
/// strides 8, 16, 32, 32, 32, 2 anchors per cell per layer, offset 0.5, fixed size; layers
/// with the same stride share a grid, so the three stride-32 layers give 6 anchors per cell).
pub fn anchors() -> Vec<Anchor> {
    const STRIDES: [u32; 5] = [8, 16, 32, 32, 32];
    let mut out = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < STRIDES.len() {
        let stride = STRIDES[layer];
        let mut per_cell = 0;
        while layer < STRIDES.len() && STRIDES[layer] == stride {
            per_cell += 2;
            layer += 1;
        }
        let cells = DETECTOR_INPUT.div_ceil(stride);
        for y in 0..cells {
            for x in 0..cells {
                for _ in 0..per_cell {
                    out.push(Anchor { x: (x as f32 + 0.5) / cells as f32, y: (y as f32 + 0.5) / cells as f32 });
                }
            }
        }
    }
    out
}

/// Where the image sits inside the square detector input: the fraction of the input's width
/// (`x`) and height (`y`) padded on each side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Letterbox {
    /// Padding on the left and on the right, as a fraction of the square's side.
    pub x: f32,
    /// Padding on the top and on the bottom.
    pub y: f32,
}

impl Letterbox {
    /// The letterbox of a `width` x `height` image centred in a square (MediaPipe
    /// `ImageToTensorCalculator` with `keep_aspect_ratio`).
    pub fn new(width: u32, height: u32) -> Self {
        let (w, h) = (width as f32, height as f32);
        if w >= h { Self { x: 0.0, y: (w - h) / w / 2.0 } } else { Self { x: (h - w) / h / 2.0, y: 0.0 } }
    }

    /// Maps a point normalised to the letterboxed square back to the image.
    pub fn remove(&self, x: f32, y: f32) -> (f32, f32) {
        ((x - self.x) / (1.0 - 2.0 * self.x), (y - self.y) / (1.0 - 2.0 * self.y))
    }
}

/// One detected person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Score after the sigmoid, in [0, 1].
    pub score: f32,
    /// Box left edge.
    pub xmin: f32,
    /// Box top edge.
    pub ymin: f32,
    /// Box width.
    pub width: f32,
    /// Box height.
    pub height: f32,
    /// Keypoints: 0 mid-hip, 1 a point whose distance from it sets the body's scale and
    /// direction, 2 and 3 the same for the face.
    pub keypoints: [(f32, f32); 4],
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Decodes the raw detector outputs (`boxes`: 2254 x 12, `scores`: 2254 logits) into
/// detections at or above `min_score`, in the letterboxed square's normalised coordinates.
pub fn decode_detections(boxes: &[f32], scores: &[f32], anchors: &[Anchor], min_score: f32) -> Vec<Detection> {
    let scale = DETECTOR_INPUT as f32;
    let mut out = Vec::new();
    for ((raw, &logit), a) in boxes.chunks_exact(12).zip(scores).zip(anchors) {
        let score = sigmoid(logit.clamp(-SCORE_CLIP, SCORE_CLIP));
        if score < min_score || !score.is_finite() {
            continue;
        }
        let cx = raw[0] / scale + a.x;
        let cy = raw[1] / scale + a.y;
        let w = raw[2] / scale;
        let h = raw[3] / scale;
        let mut keypoints = [(0.0, 0.0); 4];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = (raw[4 + 2 * k] / scale + a.x, raw[5 + 2 * k] / scale + a.y);
        }
        out.push(Detection { score, xmin: cx - w / 2.0, ymin: cy - h / 2.0, width: w, height: h, keypoints });
    }
    out
}

/// Intersection over union of two boxes; 0 when either is empty.
pub fn iou(a: &Detection, b: &Detection) -> f32 {
    let ix = (a.xmin + a.width).min(b.xmin + b.width) - a.xmin.max(b.xmin);
    let iy = (a.ymin + a.height).min(b.ymin + b.height) - a.ymin.max(b.ymin);
    if ix <= 0.0 || iy <= 0.0 {
        return 0.0;
    }
    let inter = ix * iy;
    let union = a.width * a.height + b.width * b.height - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}

/// MediaPipe's weighted non-maximum suppression: take the best remaining detection, average
/// the box and keypoints of every remaining detection overlapping it by more than `iou_max`
/// (itself included) weighted by score, keep the best score, repeat. Output is sorted by score.
pub fn weighted_nms(mut dets: Vec<Detection>, iou_max: f32) -> Vec<Detection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(&top) = dets.first() {
        let (merge, rest): (Vec<Detection>, Vec<Detection>) = dets.into_iter().partition(|d| iou(d, &top) > iou_max);
        let mut merged = top;
        // The top detection always overlaps itself, unless its box is degenerate.
        let group = if merge.is_empty() { vec![top] } else { merge };
        let total: f32 = group.iter().map(|d| d.score).sum();
        if total > 0.0 {
            let avg = |f: &dyn Fn(&Detection) -> f32| group.iter().map(|d| f(d) * d.score).sum::<f32>() / total;
            merged.xmin = avg(&|d| d.xmin);
            merged.ymin = avg(&|d| d.ymin);
            let xmax = avg(&|d| d.xmin + d.width);
            let ymax = avg(&|d| d.ymin + d.height);
            merged.width = xmax - merged.xmin;
            merged.height = ymax - merged.ymin;
            for k in 0..4 {
                merged.keypoints[k] = (avg(&|d| d.keypoints[k].0), avg(&|d| d.keypoints[k].1));
            }
        }
        out.push(merged);
        dets = rest;
    }
    out
}

/// Maps a detection from the letterboxed square back to the image's normalised coordinates.
pub fn remove_letterbox(d: &Detection, lb: &Letterbox) -> Detection {
    let (xmin, ymin) = lb.remove(d.xmin, d.ymin);
    let (xmax, ymax) = lb.remove(d.xmin + d.width, d.ymin + d.height);
    let mut keypoints = d.keypoints;
    for kp in &mut keypoints {
        *kp = lb.remove(kp.0, kp.1);
    }
    Detection { score: d.score, xmin, ymin, width: xmax - xmin, height: ymax - ymin, keypoints }
}

/// A rotated rectangle on the image: centre and size normalised to the image's width and
/// height (so a square ROI has `width * image_width == height * image_height`), rotation in
/// radians, clockwise on screen (y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    /// Centre x, normalised to the image width.
    pub cx: f32,
    /// Centre y, normalised to the image height.
    pub cy: f32,
    /// Width, normalised to the image width.
    pub width: f32,
    /// Height, normalised to the image height.
    pub height: f32,
    /// Rotation in radians, in [-π, π).
    pub rotation: f32,
}

/// Wraps an angle into [-π, π).
pub fn normalize_radians(a: f32) -> f32 {
    a - 2.0 * PI * ((a + PI) / (2.0 * PI)).floor()
}

/// The landmark model's ROI from two keypoints given in normalised image coordinates:
/// centred on `centre`, a square (in pixels) of side 2.5 x the pixel distance to `scale`,
/// rotated so that the centre → scale vector points up. All in pixel space, so it is right
/// for non-square images.
pub fn roi_from_keypoints(centre: (f32, f32), scale: (f32, f32), width: u32, height: u32) -> Roi {
    let (w, h) = (width as f32, height as f32);
    let (x0, y0) = (centre.0 * w, centre.1 * h);
    let (x1, y1) = (scale.0 * w, scale.1 * h);
    let side = ROI_SCALE * ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
    let rotation = normalize_radians(PI / 2.0 - (-(y1 - y0)).atan2(x1 - x0));
    Roi { cx: centre.0, cy: centre.1, width: side / w, height: side / h, rotation }
}

/// The ROI for a detection already mapped to image coordinates (keypoints 0 and 1).
pub fn roi_from_detection(d: &Detection, width: u32, height: u32) -> Roi {
    roi_from_keypoints(d.keypoints[0], d.keypoints[1], width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(score: f32, x: f32, y: f32, size: f32) -> Detection {
        Detection { score, xmin: x, ymin: y, width: size, height: size, keypoints: [(x, y); 4] }
    }

    #[test]
    fn anchors_cover_the_three_grids() {
        let a = anchors();
        assert_eq!(a.len(), NUM_ANCHORS);
        // Stride 8: 28x28 cells, 2 per cell, first centre at half a cell.
        assert_eq!(a[0], Anchor { x: 0.5 / 28.0, y: 0.5 / 28.0 });
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2].x, 1.5 / 28.0);
        // Stride 16 starts after 28*28*2 anchors.
        assert_eq!(a[1568], Anchor { x: 0.5 / 14.0, y: 0.5 / 14.0 });
        // The merged stride-32 layers: 6 anchors per 7x7 cell.
        assert_eq!(a[1568 + 392], Anchor { x: 0.5 / 7.0, y: 0.5 / 7.0 });
        assert_eq!(a[1568 + 392 + 5], a[1568 + 392]);
        assert_eq!(a[1568 + 392 + 6].x, 1.5 / 7.0);
        assert_eq!(a[NUM_ANCHORS - 1], Anchor { x: 6.5 / 7.0, y: 6.5 / 7.0 });
    }

    #[test]
    fn letterbox_portrait_and_landscape() {
        // 720x1280 portrait: the image fills 720/1280 of the width, centred.
        let lb = Letterbox::new(720, 1280);
        assert_eq!(lb.y, 0.0);
        assert!((lb.x - (1.0 - 720.0 / 1280.0) / 2.0).abs() < 1e-6);
        let (x, y) = lb.remove(0.5, 0.25);
        assert!((x - 0.5).abs() < 1e-6 && (y - 0.25).abs() < 1e-6);
        let (x, _) = lb.remove(lb.x, 0.0);
        assert!(x.abs() < 1e-6);
        let lb = Letterbox::new(1280, 720);
        assert_eq!(lb.x, 0.0);
        let (_, y) = lb.remove(0.0, 1.0 - lb.y);
        assert!((y - 1.0).abs() < 1e-6);
        assert_eq!(Letterbox::new(512, 512), Letterbox { x: 0.0, y: 0.0 });
    }

    #[test]
    fn decoding_applies_anchor_offsets_and_threshold() {
        let anchors = [Anchor { x: 0.5, y: 0.25 }, Anchor { x: 0.1, y: 0.1 }];
        let mut boxes = vec![0.0; 24];
        boxes[0] = 22.4; // +0.1 in x
        boxes[2] = 44.8; // width 0.2
        boxes[3] = 22.4; // height 0.1
        boxes[4] = -22.4; // keypoint 0 x: 0.4
        let scores = [2.0, -2.0];
        let d = decode_detections(&boxes, &scores, &anchors, MIN_SCORE);
        assert_eq!(d.len(), 1);
        assert!((d[0].score - sigmoid(2.0)).abs() < 1e-6);
        assert!((d[0].xmin - 0.5).abs() < 1e-6, "{:?}", d[0]);
        assert!((d[0].ymin - 0.2).abs() < 1e-6);
        assert!((d[0].keypoints[0].0 - 0.4).abs() < 1e-6);
        assert!((d[0].keypoints[1].1 - 0.25).abs() < 1e-6);
        // Huge logits are clipped, not turned into NaN.
        let d = decode_detections(&boxes[..12], &[f32::MAX], &anchors, MIN_SCORE);
        assert_eq!(d[0].score, 1.0);
    }

    #[test]
    fn nms_merges_overlaps_and_keeps_separate_people() {
        let a = det(0.9, 0.10, 0.10, 0.2);
        let b = det(0.6, 0.12, 0.10, 0.2); // IoU with a ≈ 0.82
        let c = det(0.8, 0.60, 0.60, 0.2); // far away
        let out = weighted_nms(vec![b, c, a], NMS_IOU);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.9);
        assert_eq!(out[1].score, 0.8);
        let expected = (0.10 * 0.9 + 0.12 * 0.6) / 1.5;
        assert!((out[0].xmin - expected).abs() < 1e-6);
        assert!((out[0].keypoints[0].0 - expected).abs() < 1e-6);
        assert!((out[0].width - 0.2).abs() < 1e-6);
        assert!((out[1].width - c.width).abs() < 1e-6 && out[1].xmin == c.xmin);
        assert!(weighted_nms(Vec::new(), NMS_IOU).is_empty());
    }

    #[test]
    fn iou_of_disjoint_and_identical_boxes() {
        let a = det(1.0, 0.0, 0.0, 0.5);
        assert_eq!(iou(&a, &det(1.0, 0.6, 0.6, 0.2)), 0.0);
        assert!((iou(&a, &a) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn roi_is_square_in_pixels_and_upright_for_a_vertical_body() {
        // Hip at the centre of a 720x1280 image, the scale point 100 px straight above.
        let roi = roi_from_keypoints((0.5, 0.5), (0.5, 0.5 - 100.0 / 1280.0), 720, 1280);
        assert!((roi.width * 720.0 - 250.0).abs() < 1e-3);
        assert!((roi.height * 1280.0 - 250.0).abs() < 1e-3);
        assert!(roi.rotation.abs() < 1e-6);
        // Scale point to the right: the body lies along +x, so the crop turns by +90° (its
        // "up" then points along the image's +x).
        let roi = roi_from_keypoints((0.5, 0.5), (0.6, 0.5), 1000, 1000);
        assert!((roi.rotation - PI / 2.0).abs() < 1e-6, "{}", roi.rotation);
        // Scale point below: upside down.
        let roi = roi_from_keypoints((0.5, 0.5), (0.5, 0.6), 1000, 1000);
        assert!((roi.rotation.abs() - PI).abs() < 1e-6);
    }

    #[test]
    fn radians_wrap_into_half_open_range() {
        assert!((normalize_radians(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-6);
        assert!((normalize_radians(-3.0 * PI / 2.0) - PI / 2.0).abs() < 1e-6);
        assert_eq!(normalize_radians(0.25), 0.25);
    }
}
