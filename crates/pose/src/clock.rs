//! The stopwatch behind [`crate::Timings`] and the decode time. `wasm32-unknown-unknown` has no
//! clock without JavaScript (`Instant::now` panics there), so in a WebAssembly build every
//! duration reads zero and the page measures with `performance.now()` itself; everywhere else
//! this is `std::time::Instant`.

use std::time::Duration;

/// A started stopwatch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopwatch {
    #[cfg(not(target_arch = "wasm32"))]
    start: std::time::Instant,
}

impl Stopwatch {
    /// Starts timing now.
    pub(crate) fn start() -> Stopwatch {
        Stopwatch {
            #[cfg(not(target_arch = "wasm32"))]
            start: std::time::Instant::now(),
        }
    }

    /// Time since [`Stopwatch::start`]; zero in a WebAssembly build.
    pub(crate) fn elapsed(&self) -> Duration {
        #[cfg(not(target_arch = "wasm32"))]
        return self.start.elapsed();
        #[cfg(target_arch = "wasm32")]
        Duration::ZERO
    }
}
