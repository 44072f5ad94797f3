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

# Request lists: deterministic pseudo-random positions over metropolitan France.
cat >"$work/paths.lua" <<'LUA'
local paths = {}
local kind = os.getenv("ROUTE")
local seed = 12345
local function rnd()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end
local n = 1000
if kind == "tiles" then n = 2000 end
local seen = {}
local i = 0
while i < n do
  local lon, lat = -4.5 + rnd() * 12.0, 42.5 + rnd() * 8.5
  local path
  if kind == "nearby" then
    path = string.format("/api/nearby?lon=%.5f&lat=%.5f&limit=20", lon, lat)
  elseif kind == "tiles" then
    local z = 6 + math.floor(rnd() * 9)
    local scale = 2 ^ z
    local x = math.floor((lon + 180) / 360 * scale)
    local r = math.rad(lat)
    local y = math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * scale)
    path = string.format("/tiles/%d/%d/%d.mvt", z, x, y)
  else
    path = string.format("/api/initiatives?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", lon, lat, lon + 0.5, lat + 0.4)
  end
  if not seen[path] then
    seen[path] = true
    i = i + 1
    paths[i] = path
  end
end
local j = 0
request = function()
  j = j % #paths + 1
  return wrk.format("GET", paths[j], { ["Accept-Encoding"] = "gzip" })
end
LUA

run() {
  echo "== $1 ($sheets sheets)"
  ROUTE=$2 wrk -t2 -c32 -d"$duration" --latency ${3:+-s "$3"} "http://127.0.0.1:$4${5:-}" | grep -E "Requests/sec|50%|99%"
}

start 18080
start 18081 --tile-cache-mb 0
run health health "" 18080 /health
run nearby nearby "$work/paths.lua" 18080
run listing initiatives "$work/paths.lua" 18080
# One pass over the 2,000 tiles: it fills the cache of the first server, and the boundary
# layers of the second (they never change, like a basemap: cached apart even without a tile
# cache).
for port in 18080 18081; do
  ROUTE=tiles wrk -t2 -c4 -d5s -s "$work/paths.lua" "http://127.0.0.1:$port" >/dev/null
done
run "tiles, no cache" tiles "$work/paths.lua" 18081
run "tiles, cached" tiles "$work/paths.lua" 18080
