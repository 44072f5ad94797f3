#!/usr/bin/env bash
# How long a running server takes to apply a large write made by another process: a server
# follows a fresh store (`--no-sample`), `atlaas import` writes N sample sheets (default
# 100,000) into it from a CSV, and the script times how long after the import the server's
# /health has them all (its change feed read, the sheets reloaded from the store, the index
# updated). SQLite by default; with ATLAAS_BENCH_POSTGRES_URL (an admin URL of
# a PostGIS server, as `scripts/postgres start` gives) a fresh PostgreSQL database too, which
# is what a second replica does after a first one's import. The time is from the end of the
# import command (just after its commit) to the server's last move.
# Usage: [ATLAAS_BENCH_POSTGRES_URL=postgres://…] benches/replica.sh [N]
# (ATLAAS_BIN=path/to/atlaas measures that binary instead of a release build of this tree.)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
if [ -z "${ATLAAS_BIN:-}" ]; then cargo build --release --quiet; fi
atlaas=${ATLAAS_BIN:-./target/release/atlaas}
work=$(mktemp -d)
pids=() dbs=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for db in "${dbs[@]}"; do psql -q "$ATLAAS_BENCH_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$atlaas" sample --count "$n" --seed 42 --out "$work/sheets.csv" 2>/dev/null

sheets() { curl -sf "http://127.0.0.1:$1/health" | sed -n 's/.*"sheets":\([0-9]*\).*/\1/p'; }
# Where the server stands: its sheet count (which moves with each page of the log it applies)
# and the last entry of the change log it applied (which moves when it has caught up).
position() { curl -sf "http://127.0.0.1:$1/health" | sed -n 's/.*"sheets":\([0-9]*\).*"applied":\([0-9]*\).*/\1 sheets, log entry \2/p'; }

measure() {
  local name=$1 url=$2 port=$3
  RUST_LOG=warn "$atlaas" serve --no-sample --database-url "$url" --bind "127.0.0.1:$port" >"$work/$name.log" 2>&1 &
  pids+=($!)
  until [ -n "$(sheets "$port" 2>/dev/null)" ]; do sleep 0.2; done
  local before first="" last now position seen done_at
  before=$(position "$port")
  seen=$before
  # The import runs beside the polling: its one transaction commits at its end, and the
  # server starts applying as soon as it sees the commit, maybe before the command exits.
  DATABASE_URL=$url RUST_LOG=warn "$atlaas" import "$work/sheets.csv" --source bench >/dev/null 2>&1 &
  local import=$!
  while :; do
    position=$(position "$port")
    now=$(date +%s.%N)
    if [ "$position" != "$seen" ]; then
      seen=$position last=$now
      [ -z "$first" ] && first=$now
    fi
    if [ -z "${done_at:-}" ] && ! kill -0 "$import" 2>/dev/null; then done_at=$now; fi
    # Done when the import has ended and the position has not moved for 20 seconds (longer
    # than any page of the log takes to apply); times are of the moves.
    if [ -n "${done_at:-}" ] && [ -n "$first" ] && [ "$(echo "$now - $last > 20" | bc)" = 1 ]; then break; fi
    sleep 0.02
  done
  wait "$import"
  echo "$name: the server went from $before to $seen; its last move came $(echo "$last - $done_at" | bc) s after the import command ended"
}

measure sqlite "sqlite://$work/replica.db" 18471
if [ -n "${ATLAAS_BENCH_POSTGRES_URL:-}" ]; then
  db="atlaas_replica_$$"
  psql -q "$ATLAAS_BENCH_POSTGRES_URL" -c "CREATE DATABASE $db"
  dbs+=("$db")
  measure postgres "${ATLAAS_BENCH_POSTGRES_URL%/*}/$db" 18472
fi
