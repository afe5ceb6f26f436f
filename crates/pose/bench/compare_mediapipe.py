"""Times MediaPipe Pose 0.10.21's static-image pipeline and tonus-pose's on the same photos.

Run through compare_mediapipe.sh, which makes the virtualenv. For each photo and model
(lite = model_complexity 0, full = 1) it reports the median milliseconds of
`Pose.process()` (MediaPipe) and of `PoseEstimator::estimate` (tonus-pose, via the
`time_pipeline` example), decode excluded on both sides, and the ratio. It also reports the
largest landmark difference (nose, eyes, ears, shoulders, hips) in % of the image diagonal.

The two are timed in alternating rounds (tonus-pose on every photo, then MediaPipe on every
photo, then again), and the ratio is the median of the per-round ratios, so a stretch in
which the machine runs slower (on shared machines the speed swings by 20-40 % for minutes)
falls on both sides instead of deciding the result. The min-max of the per-round ratios is
shown beside it.
"""

import argparse
import json
import statistics
import subprocess
import time

import cv2
import mediapipe as mp

GROUP = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 23, 24]


class MediaPipeRunner:
    """One MediaPipe Pose graph per model, kept across rounds, and the decoded photos."""

    def __init__(self, complexity, paths):
        self.pose = mp.solutions.pose.Pose(
            static_image_mode=True,
            model_complexity=complexity,
            enable_segmentation=False,
            min_detection_confidence=0.5,
        )
        self.images = {}
        self.landmarks = {}
        for path in paths:
            # cv2.imread applies the EXIF orientation, as tonus-pose does.
            rgb = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
            self.images[path] = rgb
            result = self.pose.process(rgb)
            self.landmarks[path] = [(l.x, l.y) for l in result.pose_landmarks.landmark] if result.pose_landmarks else None

    def median_ms(self, path, runs):
        rgb = self.images[path]
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            self.pose.process(rgb)
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)

    def size(self, path):
        h, w = self.images[path].shape[:2]
        return w, h


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
    ap.add_argument("--runs", type=int, default=30, help="timed runs per photo and side in each round")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    ap.add_argument("--rust", required=True)
    ap.add_argument("photos", nargs="+")
    args = ap.parse_args()
    print(f"{args.rounds} alternating rounds of {args.runs} runs per photo and side; medians over rounds")
    print(
        f"{'photo':<30} {'model':<5} {'mediapipe ms':>12} {'tonus ms':>9} {'ratio':>6} {'ratio range':>12}"
        f" {'tonus decode ms':>16} {'max err %diag':>14}"
    )
    for model, complexity in (("lite", 0), ("full", 1)):
        mp_runner = MediaPipeRunner(complexity, args.photos)
        rounds = []
        for _ in range(args.rounds):
            rust = rust_times(args.rust, args.runs, model, args.photos)
            theirs = {path: mp_runner.median_ms(path, args.runs) for path in args.photos}
            rounds.append((rust, theirs))
        for path in args.photos:
            ours = [r[path]["median_ms"] for r, _ in rounds]
            theirs = [t[path] for _, t in rounds]
            ratios = [o / t for o, t in zip(ours, theirs)]
            w, h = mp_runner.size(path)
            err = max_group_error(rounds[0][0][path]["landmarks"], mp_runner.landmarks[path], w, h)
            err_text = "n/a" if err is None else f"{err:.3f}"
            name = path.rsplit("/", 1)[-1]
            span = f"{min(ratios):.2f}-{max(ratios):.2f}"
            print(
                f"{name:<30} {model:<5} {statistics.median(theirs):>12.1f} {statistics.median(ours):>9.1f} "
                f"{statistics.median(ratios):>6.2f} {span:>12} {rounds[0][0][path]['decode_ms']:>16.1f} {err_text:>14}"
            )


if __name__ == "__main__":
    main()
