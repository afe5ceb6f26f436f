//! The clickable body chart of the assessment form's pain rows: a front and a back outline with
//! a shape for each symptom region of the knowledge base and each side. Clicking a shape fills
//! the next empty pain row with that region and side (`assets/tonus.js`); the rows' own selects
//! stay the way in for a keyboard, a screen reader or a browser without the script.
//!
//! The shapes are drawn here; the regions and their names are the knowledge base's, so a
//! shape whose region the knowledge base does not have is left out (and a test checks that
//! every anatomical region of the embedded knowledge base has a shape).

/// Which outline a shape is drawn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Front,
    Back,
}

/// Whether a region is drawn once on the midline or on each side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sided {
    Midline,
    /// Drawn for the person's left (the viewer's right on the front view, the viewer's left on
    /// the back view) and mirrored for their right.
    Both,
}

/// A region's shape, as an SVG path in the figure's 200 × 250 box (the body's midline at
/// x = 100). For a sided region the path is the person's left.
struct Shape {
    region: &'static str,
    view: View,
    sided: Sided,
    path: &'static str,
}

const SHAPES: &[Shape] = &[
    // Front: the head and face, then the chest and the inner arm.
    Shape { region: "forehead", view: View::Front, sided: Sided::Midline, path: "M86 14h28v11H86z" },
    Shape { region: "temple", view: View::Front, sided: Sided::Both, path: "M112 24l7 2v11h-6z" },
    Shape { region: "behind_eye", view: View::Front, sided: Sided::Both, path: "M103 29h9v7h-9z" },
    Shape { region: "ear", view: View::Front, sided: Sided::Both, path: "M117 38h5v11h-5z" },
    Shape { region: "jaw_angle", view: View::Front, sided: Sided::Both, path: "M106 47h9l-2 8h-7z" },
    Shape { region: "anterior_chest_shoulder", view: View::Front, sided: Sided::Both, path: "M104 80l38-3 7 16-4 19h-41z" },
    Shape { region: "ulnar_arm", view: View::Front, sided: Sided::Both, path: "M143 116h6l7 46 5 50h-5l-6-49z" },
    // Back: the head and neck, the shoulder girdle, the back and the arm.
    Shape { region: "occipital", view: View::Back, sided: Sided::Midline, path: "M86 40h28v12H86z" },
    Shape { region: "neck_posterolateral", view: View::Back, sided: Sided::Both, path: "M90 56h9v13h-9z" },
    Shape { region: "angle_of_neck", view: View::Back, sided: Sided::Both, path: "M80 70l12-2v10l-10 2z" },
    Shape { region: "upper_shoulder", view: View::Back, sided: Sided::Both, path: "M55 80c8-5 16-7 24-8l2 8c-9 1-16 4-23 8z" },
    Shape { region: "suprascapular", view: View::Back, sided: Sided::Both, path: "M62 91l24-4v9l-24 4z" },
    Shape { region: "medial_scapular_border", view: View::Back, sided: Sided::Both, path: "M83 99h7v37h-7z" },
    Shape { region: "interscapular", view: View::Back, sided: Sided::Midline, path: "M92 90h16v46H92z" },
    Shape { region: "low_back", view: View::Back, sided: Sided::Midline, path: "M70 176h60v26H70z" },
    Shape { region: "elbow", view: View::Back, sided: Sided::Both, path: "M37 151l14 2-1 14-14-2z" },
    Shape { region: "forearm", view: View::Back, sided: Sided::Both, path: "M36 169l14 2-5 35-12-2z" },
    Shape { region: "wrist", view: View::Back, sided: Sided::Both, path: "M32 208l13 2-2 22-13-2z" },
];

/// The outline both figures share: head, neck, shoulders, arms hanging, trunk to the hips.
pub(crate) const OUTLINE: &str = "M100 11c-11 0-19 10-19 23s8 23 19 23 19-10 19-23-8-23-19-23z\
     M92 55v13c-12 4-30 6-38 12-8 5-10 15-10 25l-6 55-6 52-2 20h12l2-20 6-50 6-44 6 32 4 40-2 42h72l-2-42 4-40 6-32 6 44 6 50 2 20h12l-2-20-6-52-6-55c0-10-2-20-10-25-8-6-26-8-38-12V55z";

/// One figure of the chart as the template draws it.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    /// "Front" or "Back".
    pub title: &'static str,
    /// The side letters under the viewer's left and right.
    pub viewer_left: &'static str,
    pub viewer_right: &'static str,
    pub shapes: Vec<ChartShape>,
}

/// One clickable shape: a region on one side.
#[derive(Debug, Clone)]
pub(crate) struct ChartShape {
    pub region: &'static str,
    /// The pain row's side value: `left`, `right` or `centre`.
    pub side: &'static str,
    /// What a screen reader and the tooltip say: the region's name and side.
    pub label: String,
    pub path: &'static str,
    /// Drawn mirrored about the midline (the person's right of a sided region).
    pub mirrored: bool,
}

/// The chart for the regions the knowledge base has (`(id, name)`, as the form lists them).
pub(crate) fn figures(regions: &[(String, String)]) -> Vec<Figure> {
    let name = |id: &str| regions.iter().find(|(r, _)| r == id).map(|(_, n)| n.clone());
    let figure = |view: View, title, viewer_left, viewer_right| {
        let mut shapes = Vec::new();
        for s in SHAPES.iter().filter(|s| s.view == view) {
            let Some(name) = name(s.region) else { continue };
            match s.sided {
                Sided::Midline => shapes.push(ChartShape { region: s.region, side: "centre", label: name, path: s.path, mirrored: false }),
                Sided::Both => {
                    shapes.push(ChartShape {
                        region: s.region,
                        side: "left",
                        label: format!("{name}, left"),
                        path: s.path,
                        mirrored: false,
                    });
                    shapes.push(ChartShape {
                        region: s.region,
                        side: "right",
                        label: format!("{name}, right"),
                        path: s.path,
                        mirrored: true,
                    });
                }
            }
        }
        Figure { title, viewer_left, viewer_right, shapes }
    };
    // Facing the viewer, the person's right is on the viewer's left; seen from behind, not.
    vec![figure(View::Front, "Front", "R", "L"), figure(View::Back, "Back", "L", "R")]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded_regions() -> Vec<(String, String)> {
        let kb = tonus_core::KnowledgeBase::embedded().unwrap();
        kb.regions().iter().map(|r| (r.id.clone(), r.name.clone())).collect()
    }

    #[test]
    fn every_anatomical_region_has_a_shape_and_every_shape_a_region() {
        let regions = embedded_regions();
        for s in SHAPES {
            assert!(regions.iter().any(|(id, _)| id == s.region), "shape for unknown region {}", s.region);
        }
        // Headache regions are kinds of headache (from the headache questions), not places.
        for (id, name) in regions.iter().filter(|(id, _)| !id.starts_with("headache_")) {
            assert!(SHAPES.iter().any(|s| s.region == id), "region {id} ({name}) has no shape on the body chart");
        }
    }

    #[test]
    fn sided_regions_come_left_and_right_and_midline_ones_once() {
        let figures = figures(&embedded_regions());
        let shapes: Vec<_> = figures.iter().flat_map(|f| &f.shapes).collect();
        let of =
            |region: &str| shapes.iter().filter(|s| s.region == region).map(|s| (s.side, s.label.as_str(), s.mirrored)).collect::<Vec<_>>();
        assert_eq!(of("upper_shoulder"), [("left", "Top of the shoulder, left", false), ("right", "Top of the shoulder, right", true)]);
        assert_eq!(of("low_back"), [("centre", "Low back", false)]);
        assert_eq!(
            figures.iter().map(|f| (f.title, f.viewer_left, f.viewer_right)).collect::<Vec<_>>(),
            [("Front", "R", "L"), ("Back", "L", "R")]
        );
    }

    #[test]
    fn a_region_the_knowledge_base_lacks_is_left_out() {
        let figures = figures(&[("low_back".into(), "Low back".into())]);
        let regions: Vec<_> = figures.iter().flat_map(|f| f.shapes.iter().map(|s| s.region)).collect();
        assert_eq!(regions, ["low_back"]);
    }
}
