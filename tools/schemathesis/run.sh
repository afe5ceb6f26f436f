#!/usr/bin/env bash
# Schemathesis against a live `tonus demo` server: every check, a bounded number of examples per
# operation, with a logged-in staff session. Usage: tools/schemathesis/run.sh TONUS_BINARY VENV
# (a virtual environment with schemathesis installed). Exits non-zero on any failure.
set -euo pipefail
tonus=${1:?the tonus binary}
venv=${2:?a virtual environment with schemathesis}
here=$(cd "$(dirname "$0")" && pwd)
port=${TONUS_ST_PORT:-18199}
dir=$(mktemp -d /tmp/tonus-schemathesis.XXXXXX)
"$tonus" demo --listen "127.0.0.1:$port" --data-dir "$dir/demo" > "$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  grep -q 'with password' "$dir/server.log" 2>/dev/null && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
password=$(sed -n 's/.*with password "\([^"]*\)".*/\1/p' "$dir/server.log" | head -1)
[ -n "$password" ] || { echo "the demo server did not start:"; cat "$dir/server.log"; exit 1; }
login=$(curl -sf -c "$dir/cookies" -H 'content-type: application/json' \
  -d "{\"login\":\"demo\",\"password\":\"$password\"}" "http://127.0.0.1:$port/api/login")
csrf=$(printf '%s' "$login" | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
session=$(awk '$6 == "tonus_session" {print $7}' "$dir/cookies")
[ -n "$session" ] || { echo "no session cookie after logging in"; exit 1; }
cd "$here"
# schemathesis.toml (beside this script) holds the per-operation settings, each with its reason.
# Logging out would end the session the run uses; the router tests cover it.
TONUS_ST_SESSION=$session TONUS_ST_CSRF=$csrf "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" \
  run "http://127.0.0.1:$port/api/openapi.json" \
  --checks all \
  --max-examples "${TONUS_ST_EXAMPLES:-30}" \
  --seed "${TONUS_ST_SEED:-20261130}" \
  --exclude-path /api/logout \
  --no-color
