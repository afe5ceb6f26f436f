// The benchmark loop shared by Node (node.mjs) and Chromium (chromium.mjs): the same passes
// as the native `frames` example, timed with `now()` (performance.now in both).
//
// Per round: every frame with the tracker reset first (detector + landmark model: a first
// frame), then every frame tracked (landmark model only, after the first). Returns the
// medians in milliseconds.
export function benchmark(pose, frames, width, height, rounds, now) {
  pose.track({ data: frames[0], width, height });
  const detector = [];
  const tracked = [];
  for (let r = 0; r < rounds; r++) {
    for (const data of frames) {
      pose.reset();
      const start = now();
      const report = pose.track({ data, width, height });
      detector.push(now() - start);
      if (!report.detector_ran) throw new Error("the detector did not run after a reset");
    }
    for (const data of frames) {
      const start = now();
      const report = pose.track({ data, width, height });
      const ms = now() - start;
      if (!report.detector_ran) tracked.push(ms);
    }
  }
  return { detector_frame_ms: median(detector), tracked_frame_ms: median(tracked), frames: frames.length, rounds };
}

function median(v) {
  v.sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : NaN;
}
