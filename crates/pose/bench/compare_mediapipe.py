"""Times MediaPipe Pose 0.10.21's static-image pipeline and tonus-pose's on the same photos.

Run through compare_mediapipe.sh, which makes the virtualenv. For each photo and model
(lite = model_complexity 0, full = 1) it reports the median milliseconds of
`Pose.process()` (MediaPipe) and of `PoseEstimator::estimate` (tonus-pose, via the
`time_pipeline` example), decode excluded on both sides, and the ratio. It also reports the
largest landmark difference (nose, eyes, ears, shoulders, hips) in % of the image diagonal.
"""

import argparse
import json
import statistics
import subprocess
import time

import cv2
import mediapipe as mp

GROUP = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 23, 24]


def mediapipe_times(path, complexity, runs):
    # cv2.imread applies the EXIF orientation, as tonus-pose does.
    bgr = cv2.imread(path)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    with mp.solutions.pose.Pose(
        static_image_mode=True,
        model_complexity=complexity,
        enable_segmentation=False,
        min_detection_confidence=0.5,
    ) as pose:
        result = pose.process(rgb)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            pose.process(rgb)
            times.append((time.perf_counter() - t) * 1000)
    lms = None
    if result.pose_landmarks:
        lms = [(l.x, l.y) for l in result.pose_landmarks.landmark]
    return statistics.median(times), lms, w, h


def rust_times(binary, runs, model, paths):
    out = subprocess.run([binary, str(runs), model, *paths], check=True, capture_output=True, text=True)
    return {json.loads(line)["path"]: json.loads(line) for line in out.stdout.splitlines() if line.strip()}


def max_group_error(ours, theirs, w, h):
    if ours is None or theirs is None:
        return None
    diag = (w * w + h * h) ** 0.5
    return max(((ours[i][0] - theirs[i][0]) * w) ** 2 + ((ours[i][1] - theirs[i][1]) * h) ** 2 for i in GROUP) ** 0.5 / diag * 100


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--rust", required=True)
    ap.add_argument("photos", nargs="+")
    args = ap.parse_args()
    print(f"{'photo':<30} {'model':<5} {'mediapipe ms':>12} {'tonus ms':>9} {'ratio':>6} {'tonus decode ms':>16} {'max err %diag':>14}")
    for model, complexity in (("lite", 0), ("full", 1)):
        rust = rust_times(args.rust, args.runs, model, args.photos)
        for path in args.photos:
            mp_ms, mp_lms, w, h = mediapipe_times(path, complexity, args.runs)
            r = rust[path]
            err = max_group_error(r["landmarks"], mp_lms, w, h)
            err_text = "n/a" if err is None else f"{err:.3f}"
            name = path.rsplit("/", 1)[-1]
            print(
                f"{name:<30} {model:<5} {mp_ms:>12.1f} {r['median_ms']:>9.1f} "
                f"{r['median_ms'] / mp_ms:>6.2f} {r['decode_ms']:>16.1f} {err_text:>14}"
            )


if __name__ == "__main__":
    main()
