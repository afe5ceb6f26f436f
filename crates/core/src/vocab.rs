//! The closed vocabularies the engine shares with its files and reports: sides, views, test
//! grades, evidence kinds, muscle states and the like.
//!
//! These are the one exception to the core's "no serde" rule besides the knowledge base: each
//! is a field-less enum whose serialised name (snake_case, or the historical spelling where a
//! file format already used one) is part of the intake, landmark and report formats. Keeping a
//! single definition here means a value is spelled once, whether it is parsed from an intake
//! file, matched in a renderer or offered as a choice on the web form. Structs stay serde-free.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares a vocabulary enum: serde names, `ALL`, `as_str` and `Display`.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name used in files and reports.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// Parses the name used in files and reports.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)* _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Sex, where norms depend on it.
    Sex {
        /// Female norms apply.
        Female => "female",
        /// Male norms apply.
        Male => "male",
        /// Neither norm applies; sex-specific cut-offs are not used.
        Other => "other",
        /// Not given; sex-specific cut-offs are not used.
        Unspecified => "unspecified",
    }
}

vocabulary! {
    /// One side of the body.
    Side {
        /// The person's left.
        Left => "left",
        /// The person's right.
        Right => "right",
    }
}

impl Side {
    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

vocabulary! {
    /// Where a finding, an explanation or a plan item applies.
    Laterality {
        /// The left side only.
        Left => "left",
        /// The right side only.
        Right => "right",
        /// Both sides (or a midline structure).
        Both => "both",
    }
}

impl Laterality {
    /// Whether it covers `side`.
    pub fn covers(self, side: Side) -> bool {
        matches!((self, side), (Laterality::Both, _) | (Laterality::Left, Side::Left) | (Laterality::Right, Side::Right))
    }

    /// The laterality of a set of sides: `None` when empty.
    pub fn of(left: bool, right: bool) -> Option<Laterality> {
        match (left, right) {
            (true, true) => Some(Laterality::Both),
            (true, false) => Some(Laterality::Left),
            (false, true) => Some(Laterality::Right),
            (false, false) => None,
        }
    }

    /// The laterality of one side.
    pub fn from_side(side: Side) -> Laterality {
        match side {
            Side::Left => Laterality::Left,
            Side::Right => Laterality::Right,
        }
    }

    /// The union of two lateralities.
    pub fn union(self, other: Laterality) -> Laterality {
        if self == other { self } else { Laterality::Both }
    }

    /// The same with left and right swapped.
    pub fn mirrored(self) -> Laterality {
        match self {
            Laterality::Left => Laterality::Right,
            Laterality::Right => Laterality::Left,
            Laterality::Both => Laterality::Both,
        }
    }
}

vocabulary! {
    /// Which side a reported pain is on.
    PainSide {
        /// Left.
        Left => "left",
        /// Right.
        Right => "right",
        /// Both sides.
        Both => "both",
        /// In the midline.
        Centre => "centre",
    }
}

impl PainSide {
    /// The body sides the pain covers (the midline counts as both).
    pub fn laterality(self) -> Laterality {
        match self {
            PainSide::Left => Laterality::Left,
            PainSide::Right => Laterality::Right,
            PainSide::Both | PainSide::Centre => Laterality::Both,
        }
    }
}

vocabulary! {
    /// Headache severity, as the client rates it.
    Severity {
        /// Mild.
        Mild => "mild",
        /// Moderate.
        Moderate => "moderate",
        /// Severe.
        Severe => "severe",
    }
}

vocabulary! {
    /// PSFS version: 2.0 reverses the scale.
    PsfsVersion {
        /// 0 = unable, 10 = as before.
        V1 => "1",
        /// 0 = as before, 10 = unable.
        V2 => "2",
    }
}

vocabulary! {
    /// Scapular dyskinesis test result for one side.
    Dyskinesis {
        /// Normal.
        Normal => "normal",
        /// Subtle.
        Subtle => "subtle",
        /// Obvious.
        Obvious => "obvious",
    }
}

vocabulary! {
    /// A muscle length test result for one side.
    LengthTest {
        /// Normal range and end-feel.
        Normal => "normal",
        /// Reduced range or a hard end-feel.
        Reduced => "reduced",
    }
}

vocabulary! {
    /// Muscle tone on palpation.
    Tone {
        /// Normal.
        Normal => "normal",
        /// Increased (hypertonic, a taut feel).
        Increased => "increased",
        /// Decreased (hypotonic, a slack feel).
        Decreased => "decreased",
    }
}

vocabulary! {
    /// When a positive red-flag item began.
    Onset {
        /// New or sudden (days to weeks), or getting worse.
        New => "new",
        /// Long-standing and stable.
        LongStanding => "long_standing",
    }
}

vocabulary! {
    /// The view of a photo.
    View {
        /// The person's left side is toward the camera, so they face the image's left.
        SideLeft => "side-left",
        /// The person's right side is toward the camera, so they face the image's right.
        SideRight => "side-right",
        /// The person faces the camera.
        Front => "front",
    }
}

impl View {
    /// Whether this is a side view.
    pub fn is_side(self) -> bool {
        matches!(self, View::SideLeft | View::SideRight)
    }

    /// The view of the same pose photographed in a mirror.
    pub fn mirrored(self) -> View {
        match self {
            View::SideLeft => View::SideRight,
            View::SideRight => View::SideLeft,
            View::Front => View::Front,
        }
    }
}

vocabulary! {
    /// Sitting or standing.
    Posture {
        /// Sitting.
        Sitting => "sitting",
        /// Standing.
        Standing => "standing",
    }
}

vocabulary! {
    /// Where the landmarks came from.
    LandmarkSource {
        /// A pose model placed them.
        Automatic => "automatic",
        /// A person placed or moved them by hand.
        Manual => "manual",
        /// Skin markers placed on the body, located in the photo.
        Marker => "marker",
    }
}

vocabulary! {
    /// What kind of observation a piece of evidence rests on. Exposure is risk and symptoms
    /// are what the client feels: neither is a finding on the body. Tests, palpation and photo
    /// metrics are.
    EvidenceKind {
        /// Hours and habits from the intake: risk, never a finding.
        Exposure => "exposure",
        /// What the client reports feeling.
        Symptom => "symptom",
        /// A clinical test the therapist performed.
        ClinicalTest => "clinical_test",
        /// The therapist's palpation.
        Palpation => "palpation",
        /// A posture metric measured on a photo.
        PhotoMetric => "photo_metric",
    }
}

impl EvidenceKind {
    /// Whether this kind is a finding on the body (test, palpation or photo).
    pub fn is_finding(self) -> bool {
        matches!(self, EvidenceKind::ClinicalTest | EvidenceKind::Palpation | EvidenceKind::PhotoMetric)
    }
}

vocabulary! {
    /// A muscle's state: what inference concludes or suspects, and what a rule points to.
    MuscleState {
        /// Tight and overactive.
        Overactive => "overactive",
        /// Weak, inhibited, overstretched.
        Inhibited => "inhibited",
        /// Neither.
        Balanced => "balanced",
    }
}

vocabulary! {
    /// The outcome of the red-flag screen, in one word.
    GateStatus {
        /// Every item answered "no": a plan may be generated.
        Clear => "clear",
        /// Every positive item has a documented medical clearance: a plan may be generated,
        /// with the clearances shown.
        Cleared => "cleared",
        /// At least one positive item without clearance: no plan and no muscle story; refer out.
        Positive => "positive",
        /// Items not answered: no plan until the screen is complete.
        Incomplete => "incomplete",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for v in View::ALL {
            assert_eq!(View::parse(v.as_str()), Some(*v));
        }
        assert_eq!(Onset::parse("long_standing"), Some(Onset::LongStanding));
        assert_eq!(PsfsVersion::parse("2"), Some(PsfsVersion::V2));
        assert_eq!(Laterality::of(true, false), Some(Laterality::Left));
        assert_eq!(Laterality::Left.union(Laterality::Right), Laterality::Both);
        assert!(Laterality::Both.covers(Side::Right) && !Laterality::Left.covers(Side::Right));
    }
}
