#!/usr/bin/env bash
# Per-frame time of the pose tracking, native against WebAssembly in Node and in headless
# Chromium, on the same frames in the same run, with the wasm module's size. A benchmark, not a
# test: it asserts nothing about time. Needs `cargo xtask wasm` first.
#
#   crates/wasm/bench/run.sh [ROUNDS] [WIDTH] [PHOTO...]
#
# By default: 5 rounds over the committed test photos scaled to 640 px wide (a webcam frame).
set -euo pipefail
cd "$(dirname "$0")/../../.."
rounds=${1:-5}
width=${2:-640}
shift $(( $# > 2 ? 2 : $# ))
photos=("$@")
if [ ${#photos[@]} -eq 0 ]; then
  mapfile -t photos < <(find crates/pose/test_data -name '*.jp*g' | sort)
fi
frames=$(mktemp -d)
trap 'rm -rf "$frames"' EXIT
cargo build --quiet --release -p tonus-wasm --example frames
native=$(target/release/examples/frames "$frames" "$width" "$rounds" "${photos[@]}")
nodejs=$(node crates/wasm/bench/node.mjs target/wasm "$frames" "$rounds")
chrome=$(node crates/wasm/bench/chromium.mjs target/wasm "$frames" "$rounds")
python3 - "$native" "$nodejs" "$chrome" target/wasm/tonus_pose.wasm <<'PY'
import json, os, sys
rows = [json.loads(a) for a in sys.argv[1:4]]
size = os.path.getsize(sys.argv[4])
n = rows[0]
print(f"{n['frames']} frames, {n['rounds']} rounds, median ms per frame (single thread); module {size / 1e6:.2f} MB")
print(f"{'runtime':<28} {'detector frame':>15} {'tracked frame':>14} {'x native (tracked)':>19} {'x native (detector)':>20} {'load ms':>8}")
for r in rows:
    load = f"{r['load_ms']:.0f}" if 'load_ms' in r else "-"
    print(f"{r['runtime']:<28} {r['detector_frame_ms']:>15.2f} {r['tracked_frame_ms']:>14.2f} "
          f"{r['tracked_frame_ms'] / n['tracked_frame_ms']:>19.2f} {r['detector_frame_ms'] / n['detector_frame_ms']:>20.2f} {load:>8}")
PY
