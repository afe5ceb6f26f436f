//! Fuzzes `tonus_pose::decode` with arbitrary bytes: it must return `Ok` or a `PoseError`,
//! never panic, hang or allocate past the limits. Only decoding is fuzzed; the models are
//! not run (their input is always a well-formed tensor built by the crate).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tonus_pose::{Limits, decode};

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run fast and make the size checks part of what is fuzzed.
    let limits = Limits { max_pixels: 4_000_000, max_file_bytes: 1 << 20, max_side: 4096, min_side: 1 };
    if let Ok(img) = decode(data, "fuzz", &limits) {
        assert!(img.width() >= 1 && img.height() >= 1);
        let _ = img.to_rgb();
    }
});
