//! Exercise illustrations: BlazePose's 33-landmark skeleton posed by the joint angles an
//! exercise stores in `knowledge/exercises.toml` (`[exercise.figure]`: a base posture, the view,
//! and the joints at the start and end of the movement), drawn as an SVG figure that moves
//! between the two poses (SVG animation, no script), with the end pose drawn faintly so the
//! movement reads on paper too. A reader who asks for reduced motion sees the two poses still.
//! Our own drawing, from the skeleton alone: no image of anyone.

use std::fmt::Write as _;

use tonus_core::knowledge::{Figure, FigureBase, FigureView, Joints};

use crate::render::esc;

/// A point of the drawing, in SVG units (y down).
type P = (f64, f64);

/// Segment lengths and widths, in SVG units (a standing figure is about 170 tall).
const TORSO: f64 = 52.0;
const NECK: f64 = 12.0;
const HEAD: f64 = 11.0;
const UPPER_ARM: f64 = 30.0;
const FOREARM: f64 = 26.0;
const HAND: f64 = 9.0;
const THIGH: f64 = 42.0;
const SHIN: f64 = 40.0;
const FOOT: f64 = 13.0;
const HALF_SHOULDERS: f64 = 19.0;
const HALF_HIPS: f64 = 11.0;

/// The landmarks, in BlazePose's order (`tonus_pose::LANDMARK_NAMES`); each right eye point is
/// its left one's index + 3.
mod lm {
    pub const NOSE: usize = 0;
    pub const LEFT_EYE_INNER: usize = 1;
    pub const LEFT_EYE: usize = 2;
    pub const LEFT_EYE_OUTER: usize = 3;
    pub const LEFT_EAR: usize = 7;
    pub const RIGHT_EAR: usize = 8;
    pub const MOUTH_LEFT: usize = 9;
    pub const MOUTH_RIGHT: usize = 10;
    pub const LEFT_SHOULDER: usize = 11;
    pub const RIGHT_SHOULDER: usize = 12;
    pub const LEFT_HIP: usize = 23;
}

/// The limbs drawn, as landmark pairs, and whether each is on the far side (drawn lighter in a
/// side view): arms (shoulder–elbow–wrist–index), trunk, legs (hip–knee–ankle–foot).
const BONES: &[(usize, usize, Limb)] = &[
    (11, 12, Limb::Trunk),
    (11, 23, Limb::Left),
    (12, 24, Limb::Right),
    (23, 24, Limb::Trunk),
    (12, 14, Limb::Right),
    (14, 16, Limb::Right),
    (16, 20, Limb::Right),
    (24, 26, Limb::Right),
    (26, 28, Limb::Right),
    (28, 32, Limb::Right),
    (11, 13, Limb::Left),
    (13, 15, Limb::Left),
    (15, 19, Limb::Left),
    (23, 25, Limb::Left),
    (25, 27, Limb::Left),
    (27, 31, Limb::Left),
];

#[derive(Clone, Copy, PartialEq)]
enum Limb {
    Trunk,
    Left,
    Right,
}

fn unit(deg: f64) -> P {
    let r = deg.to_radians();
    (r.sin(), -r.cos())
}

fn add(a: P, b: P, k: f64) -> P {
    (a.0 + b.0 * k, a.1 + b.1 * k)
}

/// The joint angles of a pose with the base's defaults filled in.
struct Angles {
    trunk: f64,
    neck: f64,
    head: f64,
    tilt: f64,
    turn: f64,
    shrug: f64,
    left_shoulder: f64,
    left_elbow: f64,
    right_shoulder: f64,
    right_elbow: f64,
}

impl Angles {
    fn of(view: FigureView, j: &Joints) -> Angles {
        let (arm, elbow) = match view {
            FigureView::Side => (180.0, 10.0),
            FigureView::Front => (172.0, 0.0),
        };
        Angles {
            trunk: j.trunk.unwrap_or(0.0),
            neck: j.neck.unwrap_or(0.0),
            head: j.head.unwrap_or(0.0),
            tilt: j.tilt.unwrap_or(0.0),
            turn: j.turn.unwrap_or(0.0),
            shrug: j.shrug.unwrap_or(0.0),
            left_shoulder: j.left_shoulder.or(j.arms).unwrap_or(arm),
            left_elbow: j.left_elbow.or(j.elbows).unwrap_or(elbow),
            right_shoulder: j.right_shoulder.or(j.arms).unwrap_or(arm),
            right_elbow: j.right_elbow.or(j.elbows).unwrap_or(elbow),
        }
    }
}

/// The 33 landmarks of `figure` in the pose `joints`, with the hips' midpoint at the origin.
pub fn pose(figure: &Figure, joints: &Joints) -> [P; 33] {
    let a = Angles::of(figure.view, joints);
    let mut p = [(0.0, 0.0); 33];
    match figure.view {
        FigureView::Side => side(&mut p, figure.base, &a),
        FigureView::Front => front(&mut p, figure.base, &a),
    }
    // Lying bases: the upright drawing turned a quarter (before a side view's mirroring), the
    // face or front toward the ceiling, or the floor for prone.
    let quarter = match (figure.base, figure.view) {
        (FigureBase::Standing | FigureBase::Sitting, _) => None,
        (FigureBase::Prone, FigureView::Side) => Some(90.0_f64),
        _ => Some(-90.0),
    };
    if let Some(deg) = quarter {
        let (s, c) = deg.to_radians().sin_cos();
        for q in &mut p {
            *q = (q.0 * c - q.1 * s, q.0 * s + q.1 * c);
        }
    }
    // Seen from their left side, a person faces the image's left: the side view is drawn
    // facing right and mirrored, so the left limbs are the near ones.
    if figure.view == FigureView::Side {
        for q in &mut p {
            q.0 = -q.0;
        }
    }
    p
}

/// Leg directions (thigh, shin, foot) of a base, upright frame, side view.
fn legs_side(base: FigureBase) -> (f64, f64, f64) {
    match base {
        FigureBase::Standing => (180.0, 180.0, 90.0),
        FigureBase::Sitting => (90.0, 180.0, 90.0),
        FigureBase::Supine => (120.0, 215.0, 125.0),
        FigureBase::Prone => (180.0, 180.0, 150.0),
        FigureBase::SideLying => (150.0, 200.0, 100.0),
    }
}

fn side(p: &mut [P; 33], base: FigureBase, a: &Angles) {
    let hip = (0.0, 0.0);
    let t = a.trunk;
    // A shrug, seen from the side, draws the shoulder forward (protraction).
    let shoulder = add(add(hip, unit(t), TORSO), unit(t + 90.0), 6.0 * a.shrug);
    let neck_dir = t + a.neck;
    let neck_top = add(shoulder, unit(neck_dir), NECK);
    let h = neck_dir + a.head;
    let centre = add(neck_top, unit(h), HEAD);
    let (up, fwd) = (unit(h), unit(h + 90.0));
    let at = |f: f64, u: f64| add(add(centre, fwd, f * HEAD), up, u * HEAD);
    p[lm::NOSE] = at(1.05, -0.1);
    for (i, f) in [(lm::LEFT_EYE_INNER, 0.85), (lm::LEFT_EYE, 0.75), (lm::LEFT_EYE_OUTER, 0.65)] {
        p[i] = at(f, 0.3);
        p[i + 3] = at(f - 0.05, 0.3);
    }
    p[lm::LEFT_EAR] = at(-0.1, 0.05);
    p[lm::RIGHT_EAR] = at(-0.15, 0.05);
    p[lm::MOUTH_LEFT] = at(0.8, -0.45);
    p[lm::MOUTH_RIGHT] = at(0.75, -0.45);
    for (side, shoulder_angle, elbow) in [(0, a.left_shoulder, a.left_elbow), (1, a.right_shoulder, a.right_elbow)] {
        p[11 + side] = shoulder;
        let upper = t + shoulder_angle;
        place_arm(p, side, unit, upper, upper - elbow, 8.0);
    }
    let (thigh, shin, foot) = legs_side(base);
    for side in 0..2 {
        p[lm::LEFT_HIP + side] = hip;
        let k = add(hip, unit(thigh), THIGH);
        let ankle = add(k, unit(shin), SHIN);
        p[25 + side] = k;
        p[27 + side] = ankle;
        p[29 + side] = add(ankle, unit(foot + 180.0), FOOT * 0.25);
        p[31 + side] = add(ankle, unit(foot), FOOT);
    }
}

/// An arm from its shoulder (already placed): elbow, wrist and the hand's three points, with
/// `dir` turning an angle into a direction in this view, and the fingers spread by `spread`.
fn place_arm(p: &mut [P; 33], side: usize, dir: impl Fn(f64) -> P, upper: f64, fore: f64, spread: f64) {
    let e = add(p[11 + side], dir(upper), UPPER_ARM);
    let w = add(e, dir(fore), FOREARM);
    p[13 + side] = e;
    p[15 + side] = w;
    p[17 + side] = add(w, dir(fore + spread), HAND * 0.9);
    p[19 + side] = add(w, dir(fore), HAND);
    p[21 + side] = add(w, dir(fore - 2.5 * spread), HAND * 0.6);
}

fn front(p: &mut [P; 33], base: FigureBase, a: &Angles) {
    let hip = (0.0, 0.0);
    let t = a.trunk;
    // The person's left is the image's right.
    let right_way = unit(t + 90.0);
    let neck_base = add(hip, unit(t), TORSO);
    let lift = unit(t);
    p[lm::LEFT_SHOULDER] = add(add(neck_base, right_way, HALF_SHOULDERS), lift, 7.0 * a.shrug);
    p[lm::RIGHT_SHOULDER] = add(add(neck_base, right_way, -HALF_SHOULDERS), lift, 7.0 * a.shrug);
    let neck_top = add(neck_base, unit(t + a.tilt * 0.4), NECK);
    let h = t + a.tilt;
    let centre = add(neck_top, unit(h), HEAD);
    let (up, across) = (unit(h), unit(h + 90.0));
    // A turn slides the face toward the person's left; a nod (`head`) slides it down.
    let turn = a.turn.to_radians().sin() * 0.55;
    let nod = a.head.to_radians().sin() * 0.5;
    let at = |x: f64, u: f64| add(add(centre, across, (x + turn) * HEAD), up, (u - nod) * HEAD);
    p[lm::NOSE] = at(0.0, -0.1);
    for (i, x) in [(lm::LEFT_EYE_INNER, 0.15), (lm::LEFT_EYE, 0.35), (lm::LEFT_EYE_OUTER, 0.5)] {
        p[i] = at(x, 0.3);
        p[i + 3] = at(-x, 0.3);
    }
    p[lm::MOUTH_LEFT] = at(0.25, -0.45);
    p[lm::MOUTH_RIGHT] = at(-0.25, -0.45);
    let ear = a.turn.to_radians().cos();
    p[lm::LEFT_EAR] = add(add(centre, across, (ear - turn * 0.6) * HEAD), up, 0.05 * HEAD);
    p[lm::RIGHT_EAR] = add(add(centre, across, (-ear - turn * 0.6) * HEAD), up, 0.05 * HEAD);
    for (side, out, shoulder_angle, bend) in [(0usize, 1.0, a.left_shoulder, a.left_elbow), (1, -1.0, a.right_shoulder, a.right_elbow)] {
        // The out-angle turned into a direction on this side, then by the trunk's lean.
        let dir = |angle: f64| {
            let (x, y) = unit(angle);
            let (x, y) = (x * out, y);
            let (sn, cs) = t.to_radians().sin_cos();
            (x * cs - y * sn, x * sn + y * cs)
        };
        place_arm(p, side, dir, shoulder_angle, shoulder_angle - bend, 10.0);
    }
    for (side, out) in [(0usize, 1.0), (1, -1.0)] {
        let h = (out * HALF_HIPS, 0.0);
        let (knee, ankle) = match base {
            // Thighs toward the viewer: short in the drawing.
            FigureBase::Sitting => ((out * (HALF_HIPS + 3.0), 16.0), (out * (HALF_HIPS + 4.0), 16.0 + SHIN)),
            _ => ((out * (HALF_HIPS - 1.0), THIGH), (out * (HALF_HIPS - 2.0), THIGH + SHIN)),
        };
        p[23 + side] = h;
        p[25 + side] = knee;
        p[27 + side] = ankle;
        p[29 + side] = add(ankle, (0.0, 1.0), 3.0);
        p[31 + side] = add(ankle, (out, 0.6), FOOT * 0.7);
    }
}

/// The illustration of an exercise as an SVG element (`name` is its accessible name).
pub fn svg(figure: &Figure, name: &str) -> String {
    let start = pose(figure, &figure.start);
    let end = pose(figure, &figure.end);
    // The view box holds both poses and the head.
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for q in start.iter().chain(end.iter()) {
        x0 = x0.min(q.0);
        y0 = y0.min(q.1);
        x1 = x1.max(q.0);
        y1 = y1.max(q.1);
    }
    let pad = HEAD + 6.0;
    let (vx, vy, vw, vh) = (x0 - pad, y0 - pad, (x1 - x0) + 2.0 * pad, (y1 - y0) + 2.0 * pad);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="exercise-figure" xmlns="http://www.w3.org/2000/svg" viewBox="{vx:.1} {vy:.1} {vw:.1} {vh:.1}" role="img" aria-label="{}"><style>.exercise-figure line{{stroke-linecap:round}} .exercise-figure .still{{display:none}} @media (prefers-reduced-motion: reduce){{.exercise-figure .moving{{display:none}} .exercise-figure .still{{display:inline}}}} @media print{{.exercise-figure .moving{{display:none}} .exercise-figure .still{{display:inline}}}}</style>"#,
        esc(&format!("{name}: the movement from its start to its end"))
    );
    // The end pose, faint: on paper and for a reader without motion it shows where the movement goes.
    draw(&mut s, figure.view, &end, None, "end", "#9aa3ae");
    s.push_str(r#"<g class="moving">"#);
    draw(&mut s, figure.view, &start, Some(&end), "start", "#1d2430");
    s.push_str(r#"</g><g class="still">"#);
    draw(&mut s, figure.view, &start, None, "start", "#1d2430");
    s.push_str("</g></svg>");
    s
}

/// One pose, or one moving to `to` and back (4 s, repeated).
fn draw(s: &mut String, view: FigureView, from: &[P; 33], to: Option<&[P; 33]>, class: &str, colour: &str) {
    let anim = |s: &mut String, attr: &str, a: f64, b: f64| {
        if to.is_some() {
            let _ = write!(
                s,
                r#"<animate attributeName="{attr}" values="{a:.1};{b:.1};{b:.1};{a:.1};{a:.1}" keyTimes="0;0.4;0.6;0.95;1" dur="4s" repeatCount="indefinite"/>"#
            );
        }
    };
    let target = |i: usize| to.map_or(from[i], |t| t[i]);
    let _ = write!(s, r#"<g class="{class}" stroke="{colour}" fill="none">"#);
    for &(a, b, limb) in BONES {
        // Seen from the side, the far limbs are lighter and thinner.
        let (width, opacity) = match (view, limb) {
            (FigureView::Side, Limb::Right) => (4.0, 0.45),
            (_, Limb::Trunk) => (5.0, 1.0),
            _ => (5.0, 1.0),
        };
        let _ = write!(
            s,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke-width="{width}" opacity="{opacity}">"#,
            from[a].0, from[a].1, from[b].0, from[b].1
        );
        anim(s, "x1", from[a].0, target(a).0);
        anim(s, "y1", from[a].1, target(a).1);
        anim(s, "x2", from[b].0, target(b).0);
        anim(s, "y2", from[b].1, target(b).1);
        s.push_str("</line>");
    }
    // The head: a circle about the ears' midpoint, and the nose to show which way it faces.
    let head = |p: &[P; 33]| {
        let (l, r) = (p[lm::LEFT_EAR], p[lm::RIGHT_EAR]);
        ((l.0 + r.0) / 2.0, (l.1 + r.1) / 2.0)
    };
    let (c, ct) = (head(from), to.map_or(head(from), head));
    let _ = write!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="{HEAD}" stroke-width="3" fill="{colour}" fill-opacity="0.12">"#, c.0, c.1);
    anim(s, "cx", c.0, ct.0);
    anim(s, "cy", c.1, ct.1);
    s.push_str("</circle>");
    let n = from[lm::NOSE];
    let nt = target(lm::NOSE);
    let _ = write!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="2.2" fill="{colour}" stroke="none">"#, n.0, n.1);
    anim(s, "cx", n.0, nt.0);
    anim(s, "cy", n.1, nt.1);
    s.push_str("</circle></g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(base: FigureBase, view: FigureView, end: Joints) -> Figure {
        Figure { base, view, start: Joints::default(), end }
    }

    #[test]
    fn a_standing_figure_stands_head_up_and_feet_down() {
        let p = pose(&figure(FigureBase::Standing, FigureView::Side, Joints::default()), &Joints::default());
        assert!(p[lm::NOSE].1 < p[lm::LEFT_SHOULDER].1 && p[lm::LEFT_SHOULDER].1 < p[lm::LEFT_HIP].1 && p[lm::LEFT_HIP].1 < p[27].1);
        // Seen from the left, it faces the image's left: the nose is ahead of the ear.
        assert!(p[lm::NOSE].0 < p[lm::LEFT_EAR].0);
        // Arms hang: the wrist is below the elbow, below the shoulder.
        assert!(p[15].1 > p[13].1 && p[13].1 > p[11].1);
    }

    #[test]
    fn arm_angles_point_the_arm_where_they_say() {
        let f = figure(FigureBase::Standing, FigureView::Side, Joints::default());
        let forward = pose(&f, &Joints { arms: Some(90.0), elbows: Some(0.0), ..Joints::default() });
        assert!(
            (forward[15].1 - forward[11].1).abs() < 1.0 && forward[15].0 < forward[11].0 - 50.0,
            "forward (to the image's left) and level"
        );
        let overhead = pose(&f, &Joints { arms: Some(0.0), elbows: Some(0.0), ..Joints::default() });
        assert!(overhead[15].1 < overhead[11].1 - 50.0, "overhead");
        let front = figure(FigureBase::Standing, FigureView::Front, Joints::default());
        let t = pose(&front, &Joints { arms: Some(90.0), elbows: Some(0.0), ..Joints::default() });
        assert!(t[15].0 > t[11].0 + 50.0 && t[16].0 < t[12].0 - 50.0, "a T: the left hand to the image's right");
    }

    #[test]
    fn lying_figures_lie_down() {
        let supine = pose(&figure(FigureBase::Supine, FigureView::Side, Joints::default()), &Joints::default());
        assert!((supine[lm::NOSE].0 - supine[lm::LEFT_HIP].0).abs() > 50.0, "the head away from the hips, level");
        assert!((supine[lm::LEFT_SHOULDER].1 - supine[lm::LEFT_HIP].1).abs() < 5.0, "the trunk level");
        assert!(supine[lm::NOSE].1 < supine[lm::LEFT_EAR].1, "the face toward the ceiling");
        let prone = pose(&figure(FigureBase::Prone, FigureView::Side, Joints::default()), &Joints::default());
        assert!(prone[lm::NOSE].1 > prone[lm::LEFT_EAR].1, "prone: the face toward the floor");
    }

    #[test]
    fn a_nod_moves_the_nose_down_and_a_tilt_moves_the_head_sideways() {
        let f = figure(FigureBase::Sitting, FigureView::Side, Joints::default());
        let nod = pose(&f, &Joints { head: Some(20.0), ..Joints::default() });
        assert!(nod[lm::NOSE].1 > pose(&f, &Joints::default())[lm::NOSE].1 + 2.0);
        let f = figure(FigureBase::Sitting, FigureView::Front, Joints::default());
        let tilt = pose(&f, &Joints { tilt: Some(35.0), ..Joints::default() });
        assert!(tilt[lm::NOSE].0 > 5.0, "toward the person's left, the image's right");
    }

    #[test]
    fn the_svg_moves_between_the_poses_and_has_a_still_for_reduced_motion() {
        let f = figure(FigureBase::Standing, FigureView::Front, Joints { arms: Some(90.0), ..Joints::default() });
        let s = svg(&f, "Lateral raise");
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(
            s.contains("<animate ") && s.contains("prefers-reduced-motion") && s.contains(r#"aria-label="Lateral raise: the movement"#)
        );
        assert!(!s.contains("NaN") && !s.contains("inf"));
    }
}
