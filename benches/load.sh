#!/usr/bin/env bash
# HTTP load on running release servers over loopback, with wrk (Debian package `wrk`), at the
# setting of every HTTP figure in the README (wrk -t2 -c32 on the same 2-core machine), 10 s a route:
#   /health (our trivial route); /api/nearby (k=20 from 1,000 origins over metropolitan France);
#   /api/initiatives (bbox pages of 100 over 1,000 random boxes); tiles cold (a server with
#   --tile-cache-mb 0) and cached (a server whose cache was warmed by one pass), over 2,000
#   distinct tiles z6–z14 of metropolitan France.
# Usage: benches/load.sh [duration, default 10s]. SHEETS=1000000 benches/load.sh loads 1M
# sample sheets instead of the default 12k (a few minutes to generate).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
sheets=${SHEETS:-12000}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo build --release --quiet
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT

# start PORT [serve options...]: a server on the shared store, ready when /health answers.
start() {
  local port=$1
  shift
  ./target/release/atlaas serve --bind "127.0.0.1:$port" --database-url "sqlite://$work/atlaas.db" \
    --sample-count "$sheets" "$@" >"$work/server-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 1200); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return
    sleep 0.5
  done
  echo "the server on $port did not start" >&2
  exit 1
}


run() {
  echo "== $1 ($sheets sheets)"
  ROUTE=$2 wrk -t2 -c32 -d"$duration" --latency ${3:+-s "$3"} "http://127.0.0.1:$4${5:-}" | grep -E "Requests/sec|50%|99%"
}

start 18080
start 18081 --tile-cache-mb 0
run health health "" 18080 /health
run nearby nearby benches/paths.lua 18080
run listing initiatives benches/paths.lua 18080
# One pass over the 2,000 tiles: it fills the cache of the first server, and the boundary
# layers of the second (they never change, like a basemap: cached apart even without a tile
# cache).
for port in 18080 18081; do
  ROUTE=tiles wrk -t2 -c4 -d5s -s benches/paths.lua "http://127.0.0.1:$port" >/dev/null
done
run "tiles, no cache" tiles benches/paths.lua 18081
run "tiles, cached" tiles benches/paths.lua 18080
