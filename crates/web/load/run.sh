#!/usr/bin/env bash
# Load test of the clinic app: builds the release binary, seeds 1,000 clients x 5 assessments
# into a fresh SQLite data dir and into PostgreSQL, starts `tonus serve` on loopback, logs in
# with curl, runs wrk (20 s, 50 connections, --latency) against one assessment's report page
# and the client list, and prints requests/s, p99 and the server's idle resident memory after
# seeding and after the load. Only 127.0.0.1 is ever contacted; every step is bounded in time.
#
# Usage: bash crates/web/load/run.sh [sqlite] [postgres]   (default: both)
# Environment:
#   TONUS_LOAD_POSTGRES_URL  admin URL of a PostgreSQL server whose role may CREATE DATABASE
#                            (default postgres://tonus:tonus@localhost/postgres); the script
#                            drops and recreates the database tonus_load there.
#   LOAD_CLIENTS, LOAD_ASSESSMENTS, LOAD_SECONDS, LOAD_CONNECTIONS   (1000, 5, 20, 50)
#   LOAD_SOAK_SECONDS, LOAD_SOAK_RATE  after wrk, a soak at a steady rate (requests/s) with the
#                            server's RSS and open fds sampled every 30 s (soak.py; default 0 = none, 20/s)
#   CARGO_TARGET_DIR         where cargo builds (default: target); LOAD_SKIP_BUILD=1 skips the build
# Needs wrk (apt-get install -y wrk), curl and, for PostgreSQL, psql. Not part of CI: it takes
# several minutes. Leaves out: TLS, photo uploads and writes under load.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
clients="${LOAD_CLIENTS:-1000}"
assessments="${LOAD_ASSESSMENTS:-5}"
seconds="${LOAD_SECONDS:-20}"
connections="${LOAD_CONNECTIONS:-50}"
pg_admin="${TONUS_LOAD_POSTGRES_URL:-postgres://tonus:tonus@localhost/postgres}"
password="steady traffic passphrase $$"
backends=("$@")
[ ${#backends[@]} -eq 0 ] && backends=(sqlite postgres)

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "load: $tool is missing (apt-get install -y $tool)" >&2; exit 1; }
done

echo "== building the release binary and the seeding tool"
# One invocation, so both share one feature resolution and nothing is built twice.
# LOAD_SKIP_BUILD=1 reuses binaries already built (for example from another checkout's build).
if [ "${LOAD_SKIP_BUILD:-}" != 1 ]; then
  cargo build --release -p tonus -p tonus-web --bin tonus --example seed
fi
tonus="$target/release/tonus"
seed="$target/release/examples/seed"

server_pid=""
work=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid"; wait "$server_pid" || true; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

rss_mb() { awk '{ printf "%.1f", $1 / 1024 }' <<<"$(ps -o rss= -p "$1")"; }

# Prints "requests/s p99" from wrk's output.
summarise() {
  awk '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } END { print rps, p99 }'
}

run_backend() {
  local backend="$1" url port data
  work="$(mktemp -d /tmp/tonus-load.XXXXXX)"
  data="$work/data"
  mkdir -p "$data"
  case "$backend" in
    sqlite) url="sqlite://$data/tonus.db" ;;
    postgres)
      command -v psql >/dev/null || { echo "load: psql is missing; skipping postgres" >&2; return 0; }
      timeout 30 psql "$pg_admin" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS tonus_load" -c "CREATE DATABASE tonus_load" >/dev/null
      url="${pg_admin%/*}/tonus_load"
      ;;
    *) echo "load: unknown backend $backend (sqlite or postgres)" >&2; return 1 ;;
  esac

  echo "== $backend: seeding $clients clients x $assessments assessments"
  local seeded start
  start=$(date +%s)
  seeded="$(timeout 1800 "$seed" --data-dir "$data" --database "$url" --clients "$clients" --assessments "$assessments" \
    --login load --password "$password" --tasks 4)"
  echo "   seeding took $(( $(date +%s) - start )) s"
  # Flush the seeding's dirty pages first, so the kernel's writeback of a few hundred MB does
  # not land in the middle of the measurement (it stalls every fsync while it runs).
  sync
  local assessment client
  assessment="$(sed -n 's/^assessment=//p' <<<"$seeded")"
  client="$(sed -n 's/^client=//p' <<<"$seeded")"

  port=$(( 20000 + RANDOM % 20000 ))
  RUST_LOG=warn "$tonus" serve --listen "127.0.0.1:$port" --data-dir "$data" --database "$url" >"$work/server.log" 2>&1 &
  server_pid=$!
  # Start-up opens and checks the database (PRAGMA quick_check reads every page on SQLite), so
  # a large one takes a while: wait up to 15 minutes, and report how long it took.
  local started_at ready=""
  started_at=$(date +%s.%N)
  for _ in $(seq 1 9000); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ready=1; break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    echo "load: the server did not answer /healthz; its log:" >&2
    cat "$work/server.log" >&2
    return 1
  fi
  local startup
  startup=$(awk -v a="$started_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "   start-up until /healthz answered: ${startup} s"
  sleep 2
  local idle_before
  idle_before="$(rss_mb "$server_pid")"

  # Log in as the seeded practitioner; the session cookie goes into the jar.
  curl -fsS -o /dev/null -c "$work/jar" -d "login=load" --data-urlencode "password=$password" "http://127.0.0.1:$port/login"
  local cookie
  cookie="$(awk '$6 == "tonus_session" { print $6 "=" $7 }' "$work/jar")"
  [ -n "$cookie" ] || { echo "load: login failed (no session cookie)" >&2; cat "$work/server.log" >&2; return 1; }
  local report_path="/assessments/$assessment"
  for path in "$report_path" /clients; do
    local status
    status="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "http://127.0.0.1:$port$path")"
    [ "$status" = 200 ] || { echo "load: GET $path answered $status" >&2; return 1; }
  done

  local results=()
  for path in "$report_path" /clients; do
    echo "== $backend: wrk ${seconds}s, $connections connections, GET $path"
    local out
    out="$(timeout $(( seconds + 30 )) wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Cookie: $cookie" \
      "http://127.0.0.1:$port$path")"
    echo "$out"
    results+=("$path $(summarise <<<"$out")")
  done
  sleep 5
  local idle_after
  idle_after="$(rss_mb "$server_pid")"
  local soak_seconds="${LOAD_SOAK_SECONDS:-0}"
  if [ "$soak_seconds" -gt 0 ]; then
    echo "== $backend: soak ${soak_seconds}s at ${LOAD_SOAK_RATE:-20} requests/s (report, client list, client page, health)"
    timeout $(( soak_seconds + 120 )) python3 "$root/crates/web/load/soak.py" --port "$port" --pid "$server_pid" \
      --cookie "$cookie" --seconds "$soak_seconds" --rate "${LOAD_SOAK_RATE:-20}" \
      --paths "$report_path" /clients "/clients/$client" /healthz
  fi
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=""

  echo
  echo "## $backend ($clients clients x $assessments assessments, $(nproc) cores, wrk -t2 -c$connections -d${seconds}s)"
  printf '%-12s %-40s %12s %10s\n' backend page 'requests/s' p99
  for r in "${results[@]}"; do
    read -r path rps p99 <<<"$r"
    local page="report"
    [ "$path" = /clients ] && page="client list"
    printf '%-12s %-40s %12s %10s\n' "$backend" "$page ($path)" "$rps" "$p99"
  done
  echo "$backend idle RSS: ${idle_before} MB after seeding, ${idle_after} MB after the load"
  echo "$backend start-up: ${startup} s; database and photos: $(du -sh "$data" | cut -f1)"
  echo
  rm -rf "$work"
  work=""
}

for backend in "${backends[@]}"; do
  run_backend "$backend"
done
