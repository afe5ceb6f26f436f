//! The three example personas, embedded so that `tonus demo` and the tests can use them
//! without the repository checkout: a desk worker with interscapular ache and headaches, a
//! driver with neck pain and elevated shoulders, and a client with a red flag.
//!
//! Their landmark files hold the landmarks MediaPipe Pose 0.10.21 (full model) returned for
//! real, permissively licensed photos (see `examples/landmarks/README.md`).

/// One persona: its intake and its landmark files.
#[derive(Debug, Clone, Copy)]
pub struct Persona {
    /// Short id (`desk-worker`, `driver`, `red-flag`).
    pub id: &'static str,
    /// Intake file name.
    pub intake_name: &'static str,
    /// Intake text (TOML).
    pub intake: &'static str,
    /// Landmark files, as (file name, JSON text).
    pub landmarks: &'static [(&'static str, &'static str)],
}

/// The three personas.
pub fn personas() -> [Persona; 3] {
    [
        Persona {
            id: "desk-worker",
            intake_name: "examples/desk-worker.toml",
            intake: include_str!("../../../examples/desk-worker.toml"),
            landmarks: &[("examples/landmarks/desk-worker-side.json", include_str!("../../../examples/landmarks/desk-worker-side.json"))],
        },
        Persona {
            id: "driver",
            intake_name: "examples/driver.toml",
            intake: include_str!("../../../examples/driver.toml"),
            landmarks: &[
                ("examples/landmarks/driver-side.json", include_str!("../../../examples/landmarks/driver-side.json")),
                ("examples/landmarks/driver-front.json", include_str!("../../../examples/landmarks/driver-front.json")),
            ],
        },
        Persona {
            id: "red-flag",
            intake_name: "examples/red-flag.toml",
            intake: include_str!("../../../examples/red-flag.toml"),
            landmarks: &[("examples/landmarks/red-flag-side.json", include_str!("../../../examples/landmarks/red-flag-side.json"))],
        },
    ]
}
