#!/usr/bin/env python3
"""Soak test of a running `tonus serve`: a steady request rate for a set time, with the server's
resident memory and open file descriptors sampled throughout, so growth shows as a trend.

Usage: soak.py --port P --pid PID --cookie 'tonus_session=…' --paths /clients /assessments/ID …
               [--seconds 1800] [--rate 20] [--sample 30]

Each request takes the next path in turn (GET, over one kept-alive connection per path); every
`--sample` seconds it prints elapsed time, requests so far, errors, p50/p99 latency of that
interval, RSS (MiB) and open fds, read from /proc/PID. At the end it prints the first, last and
largest RSS and fd count. Only 127.0.0.1 is contacted. Standard library only.
"""

import argparse
import http.client
import os
import statistics
import sys
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--cookie", required=True)
    parser.add_argument("--paths", nargs="+", required=True)
    parser.add_argument("--seconds", type=float, default=1800)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--sample", type=float, default=30)
    args = parser.parse_args()

    connections = {path: http.client.HTTPConnection("127.0.0.1", args.port, timeout=30) for path in args.paths}
    headers = {"Cookie": args.cookie}
    start = time.monotonic()
    next_at = start
    next_sample = start + args.sample
    interval = 1.0 / args.rate
    latencies, samples = [], []
    total = errors = 0
    print(f"{'seconds':>8} {'requests':>9} {'errors':>7} {'p50 ms':>7} {'p99 ms':>7} {'RSS MiB':>8} {'fds':>5}")
    i = 0
    while True:
        now = time.monotonic()
        if now - start >= args.seconds:
            break
        if now < next_at:
            time.sleep(next_at - now)
        next_at += interval
        path = args.paths[i % len(args.paths)]
        i += 1
        t0 = time.monotonic()
        try:
            conn = connections[path]
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            connections[path] = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        latencies.append((time.monotonic() - t0) * 1000)
        total += 1
        if time.monotonic() >= next_sample:
            next_sample += args.sample
            qs = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0] * 99
            sample = (time.monotonic() - start, total, errors, qs[49], qs[98], rss_mib(args.pid), fds(args.pid))
            samples.append(sample)
            print(f"{sample[0]:8.0f} {sample[1]:9d} {sample[2]:7d} {sample[3]:7.1f} {sample[4]:7.1f} {sample[5]:8.1f} {sample[6]:5d}", flush=True)
            latencies = []
    if not samples:
        print("soak: no samples (run longer than --sample)", file=sys.stderr)
        return 1
    first, last = samples[0], samples[-1]
    print(
        f"soak: {total} requests in {last[0]:.0f} s at {args.rate:g}/s, {errors} errors; "
        f"RSS first {first[5]:.1f} MiB, last {last[5]:.1f} MiB, max {max(s[5] for s in samples):.1f} MiB; "
        f"fds first {first[6]}, last {last[6]}, max {max(s[6] for s in samples)}"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
