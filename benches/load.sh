#!/usr/bin/env bash
# HTTP load on a running release server over loopback, with wrk (Debian package `wrk`).
# Starts `atlaas serve` on a throw-away SQLite store with the default 12k sample sheets,
# then loads three routes for 10 s each with wrk -t2 -c32 (the DESIGN.md setting):
#   /health (our trivial route), /api/nearby (k=20 from 1,000 origins over metropolitan
#   France), and /api/initiatives (bbox pages of 100 over 1,000 random boxes).
# Usage: benches/load.sh [duration, default 10s]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo build --release --quiet
work=$(mktemp -d)
port=18080
./target/release/atlaas serve --bind "127.0.0.1:$port" --database-url "sqlite://$work/atlaas.db" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.5
done

# Request lists: deterministic pseudo-random positions over metropolitan France.
cat >"$work/paths.lua" <<'LUA'
local paths = {}
local kind = os.getenv("ROUTE")
local seed = 12345
local function rnd()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end
for i = 1, 1000 do
  local lon, lat = -4.5 + rnd() * 12.0, 42.5 + rnd() * 8.5
  if kind == "nearby" then
    paths[i] = string.format("/api/nearby?lon=%.5f&lat=%.5f&limit=20", lon, lat)
  else
    paths[i] = string.format("/api/initiatives?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", lon, lat, lon + 0.5, lat + 0.4)
  end
end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

run() {
  echo "== $1"
  ROUTE=$1 wrk -t2 -c32 -d"$duration" --latency ${2:+-s "$2"} "http://127.0.0.1:$port${3:-}" | grep -E "Requests/sec|50%|99%"
}
run health "" /health
run nearby "$work/paths.lua"
run initiatives "$work/paths.lua"
