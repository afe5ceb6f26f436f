//! Tonus's domain core: the knowledge base, posture metrics from landmarks, inference of muscle
//! states with their evidence trail, pain explanation, the red-flag gate, plan generation,
//! outcome scoring and the illustrative dynamics model.
//!
//! The core does no IO: it parses text it is given and computes. Files, the clock, the network
//! and the pose model live in other crates. Its structs do not derive serde's traits (the
//! knowledge base's types excepted, since they are its file format); each boundary defines its
//! own types and converts. Its closed vocabularies (`vocab`: sides, views, states, evidence
//! kinds) do, so that a value is spelled once across files, reports and forms.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assess;
pub mod date;
pub mod dynamics;
pub mod facts;
pub mod inference;
pub mod intake;
pub mod knowledge;
pub mod landmarks;
pub mod metrics;
pub mod outcomes;
pub mod pain;
pub mod plan;
pub mod plausibility;
pub mod redflags;
pub mod vocab;
pub mod webcam;

pub use assess::{AssessOptions, Assessment, assess};
pub use date::Date;
pub use knowledge::{KnowledgeBase, KnowledgeError};

/// The engine's version, stored with every derived result so it can be recomputed.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
