#!/usr/bin/env bash
# Times MediaPipe Pose 0.10.21 (Python, TFLite + XNNPACK) and tonus-pose (tract) on the same
# photos in the same run, single-threaded, and prints medians and ratios.
#
# Creates a throwaway virtualenv (deleted on exit) and installs mediapipe==0.10.21 from PyPI,
# so it needs network access once; nothing is installed system-wide. Decoding is excluded on
# both sides.
#
# The two are timed in alternating rounds (ROUNDS, default 5) and the ratio is the median of
# the per-round ratios, so a slow stretch of a shared machine falls on both sides.
#
# Usage: crates/pose/bench/compare_mediapipe.sh [RUNS] [PHOTO...]   (ROUNDS=N in the environment)
#   default photos: the crate's test_data (a 720x1280 photo and a 5712x4284 phone photo).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="$(cd "$here/.." && pwd)"
runs="${1:-30}"
shift || true
if [ "$#" -eq 0 ]; then
  set -- "$crate/test_data/side/sitting_posture_recognition/hunchback.jpg" \
         "$crate/test_data/front/misc/skimage_astronaut.png" \
         "$crate/test_data/side/openposture_desk/OP29.jpeg"
fi

python="${PYTHON:-python3}"
venv="$(mktemp -d "${TMPDIR:-/tmp}/tonus-mediapipe-venv.XXXXXX")"
trap 'rm -rf "$venv"' EXIT

echo "building tonus-pose (release)..." >&2
(cd "$crate" && cargo build --release --quiet -p tonus-pose --example time_pipeline)
target_dir="${CARGO_TARGET_DIR:-$(cd "$crate" && cargo metadata --format-version 1 --no-deps | "$python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
rust_bin="$target_dir/release/examples/time_pipeline"

echo "creating venv and installing mediapipe==0.10.21..." >&2
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check mediapipe==0.10.21

# The wheel ships pose_landmark_full.tflite (byte-identical to models/) but downloads the lite
# model from Google's storage on first use. Give it our copy (same npm release) instead, so the
# run works offline past the pip install.
mp_dir="$("$venv/bin/python" -c 'import mediapipe, os; print(os.path.dirname(mediapipe.__file__))')"
lite="$mp_dir/modules/pose_landmark/pose_landmark_lite.tflite"
[ -f "$lite" ] || cp "$crate/../../models/pose_landmark_lite.tflite" "$lite"

# One thread for both: TFLite's XNNPACK and OpenCV would otherwise use every core.
export OMP_NUM_THREADS=1 OPENCV_FOR_THREADS_NUM=1 TF_NUM_INTRAOP_THREADS=1
"$venv/bin/python" "$here/compare_mediapipe.py" --runs "$runs" --rounds "${ROUNDS:-5}" --rust "$rust_bin" "$@"
