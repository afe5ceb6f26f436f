//! `tonus-wasm`: what the browser runs. The lite BlazePose model in tracking mode and the
//! webcam metrics of `tonus-core`, compiled to `wasm32-unknown-unknown` by `cargo xtask wasm`,
//! behind a small C-style interface that `js/pose.mjs` wraps for pages and for Node.
//!
//! The interface passes bytes, not objects. JavaScript asks for an input buffer of a given
//! size ([`tonus_input`]), writes a frame's RGBA pixels, a photo's bytes or a JSON document
//! into it, and calls a function; the function leaves its answer as JSON in the output buffer
//! ([`tonus_output_ptr`], [`tonus_output_len`]) and returns 0, or 1 when the answer is an
//! error (`{"error": "..."}`). Every document crossing the boundary is one of this crate's
//! serde types ([`api`]); nothing is read by string key.
//!
//! Frames are analysed and dropped: nothing here keeps pixels between calls, and the module
//! has no import through which it could send anything anywhere.
//!
//! The same functions compile natively, where the tests and `examples/webcam_noise.rs` call
//! them through [`Session`].

// The only unsafe code: `#[unsafe(no_mangle)]` on the exported functions, which the
// WebAssembly host calls by name. Their bodies are safe Rust.
#![allow(unsafe_code)]

pub mod api;
mod session;

use std::cell::RefCell;

pub use session::Session;

thread_local! {
    /// The one session of this module instance (a page runs one camera).
    static SESSION: RefCell<Session> = RefCell::new(Session::default());
}

fn with<T>(f: impl FnOnce(&mut Session) -> T) -> T {
    SESSION.with_borrow_mut(f)
}

/// For native callers of the exported functions (the tests): fills the input buffer, as the
/// host does through the pointer [`tonus_input`] returns.
pub fn with_input(len: usize, fill: impl FnOnce(&mut [u8])) {
    with(|s| fill(s.input(len)));
}

/// For native callers: reads the last answer, as the host does through [`tonus_output_ptr`].
pub fn with_output<T>(read: impl FnOnce(&[u8]) -> T) -> T {
    with(|s| read(s.output()))
}

/// Makes the input buffer `len` bytes long and returns where it starts, for the host to write
/// into before its next call.
#[unsafe(no_mangle)]
pub extern "C" fn tonus_input(len: usize) -> *mut u8 {
    with(|s| s.input(len).as_mut_ptr())
}

/// Where the last answer starts.
#[unsafe(no_mangle)]
pub extern "C" fn tonus_output_ptr() -> *const u8 {
    with(|s| s.output().as_ptr())
}

/// The last answer's length in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn tonus_output_len() -> usize {
    with(|s| s.output().len())
}

/// Loads the models (once; later calls return at once). Answers [`api::Loaded`].
#[unsafe(no_mangle)]
pub extern "C" fn tonus_init() -> u32 {
    with(Session::init)
}

/// Measures a photo as `tonus pose --json --model lite` does. The input holds the file name
/// (`name_len` bytes of UTF-8) followed by the photo's bytes; `standing` is 1 for a standing
/// photo, 0 for sitting. Answers the same JSON as the command line.
#[unsafe(no_mangle)]
pub extern "C" fn tonus_photo(name_len: usize, standing: u32) -> u32 {
    with(|s| s.photo(name_len, standing != 0))
}

/// Tracks the person in one video frame: the input holds `width × height` RGBA pixels.
/// Answers [`api::FrameReport`].
#[unsafe(no_mangle)]
pub extern "C" fn tonus_track(width: u32, height: u32) -> u32 {
    with(|s| s.track(width, height))
}

/// Forgets the tracked person: the next frame runs the detector.
#[unsafe(no_mangle)]
pub extern "C" fn tonus_reset() -> u32 {
    with(Session::reset)
}

/// Starts collecting the readable frames of a calibration.
#[unsafe(no_mangle)]
pub extern "C" fn tonus_calibration_start() -> u32 {
    with(Session::calibration_start)
}

/// Ends the calibration and makes the baseline from its frames. Answers [`api::BaselineDoc`].
#[unsafe(no_mangle)]
pub extern "C" fn tonus_calibration_finish() -> u32 {
    with(Session::calibration_finish)
}

/// Sets a baseline kept from an earlier calibration: the input holds an [`api::BaselineDoc`].
#[unsafe(no_mangle)]
pub extern "C" fn tonus_baseline_set() -> u32 {
    with(Session::baseline_set)
}

/// The webcam metrics' descriptions and real-change thresholds from the knowledge base.
/// Answers a list of [`api::MetricInfo`].
#[unsafe(no_mangle)]
pub extern "C" fn tonus_metrics() -> u32 {
    with(Session::metrics)
}
