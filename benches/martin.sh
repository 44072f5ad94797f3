#!/usr/bin/env bash
# Our cold vector tiles side by side with Martin's, on the same points and the same tile list.
#
# Both read one fresh PostGIS database filled by `atlaas sample` (N sheets, default 12,000):
#   - ours: `atlaas serve --tile-cache-mb 0` on that database (tiles from the in-memory index);
#   - Martin 1.14 (the MapLibre project's tile server, built from crates.io once into a cache
#     folder, never in CI: about 20 minutes on two cores), its cache off, serving a table of
#     the published sheets' places (raw points with a GiST index) as a table source.
# wrk -t2 -c32 for 15 s on each (after a 3 s warm-up), cycling through the same 2,000 distinct
# tiles z6–z14 over metropolitan France, with `Accept-Encoding: gzip` as a browser sends it.
# Prints req/s, p50 and p99 of each and the ratio of their throughputs.
#
# Usage: ATLAAS_BENCH_POSTGRES_URL=postgres://… benches/martin.sh [N]
# (an admin URL of a PostGIS server, as `scripts/postgres start` gives; wrk from Debian's `wrk`,
# installed by the script when it runs as root;
# ATLAAS_BIN=path/to/atlaas measures that binary instead of a release build of this tree;
# ATLAAS_BENCH_CACHE is where Martin is built, default ~/.cache/atlaas-bench.)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-12000}
: "${ATLAAS_BENCH_POSTGRES_URL:?an admin URL of a PostGIS server is needed (scripts/postgres start gives one)}"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -q && apt-get install -y -q wrk
  else
    echo "wrk is needed: apt-get install wrk" >&2
    exit 1
  fi
fi
cache=${ATLAAS_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atlaas-bench}
martin=$cache/martin-1.14.0/bin/martin
if [ ! -x "$martin" ]; then
  echo "building Martin 1.14.0 into $cache (once; about 20 minutes on two cores)" >&2
  cargo install martin --version 1.14.0 --locked --no-default-features --features postgres --root "$cache/martin-1.14.0"
fi
if [ -z "${ATLAAS_BIN:-}" ]; then cargo build --release --quiet; fi
atlaas=${ATLAAS_BIN:-./target/release/atlaas}

work=$(mktemp -d)
db=atlaas_martin_$$
url="${ATLAAS_BENCH_POSTGRES_URL%/*}/$db"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  psql -q "$ATLAAS_BENCH_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -q "$ATLAAS_BENCH_POSTGRES_URL" -c "CREATE DATABASE $db"
echo "writing $n sample sheets into PostGIS" >&2
RUST_LOG=warn "$atlaas" sample --count "$n" --seed 42 --database-url "$url" >/dev/null 2>&1
# Martin's source: the places our tiles draw (those of published sheets), as plain points.
psql -q "$url" <<'SQL'
CREATE TABLE bench_points AS
  SELECT p.initiative AS sheet, p.position, p.geom FROM places p JOIN initiatives i ON i.id = p.initiative
  WHERE i.status = 'published';
CREATE INDEX bench_points_geom ON bench_points USING gist (geom);
ANALYZE bench_points;
SQL
points=$(psql -tA "$url" -c "SELECT count(*) FROM bench_points")

cat >"$work/martin.yaml" <<YAML
listen_addresses: 127.0.0.1:18391
cache_size_mb: 0
postgres:
  connection_string: $url
  auto_publish: false
  tables:
    points:
      schema: public
      table: bench_points
      srid: 4326
      geometry_column: geom
      geometry_type: POINT
      properties:
        sheet: int8
YAML

RUST_LOG=warn "$martin" --config "$work/martin.yaml" >"$work/martin.log" 2>&1 &
pids+=($!)
RUST_LOG=warn "$atlaas" serve --no-sample --tile-cache-mb 0 --index-snapshot off --database-url "$url" --bind 127.0.0.1:18390 \
  >"$work/atlaas.log" 2>&1 &
pids+=($!)
ready() {
  for _ in $(seq 1 600); do
    curl -fs "$1" >/dev/null 2>&1 && return
    sleep 0.5
  done
  echo "no answer from $1" >&2
  cat "$work"/*.log >&2
  exit 1
}
ready http://127.0.0.1:18390/health
ready http://127.0.0.1:18391/health


# Both must draw the points: the z6 tile over Paris is not empty on either.
for tile in http://127.0.0.1:18390/tiles/6/32/22.mvt http://127.0.0.1:18391/points/6/32/22; do
  [ "$(curl -fs "$tile" | wc -c)" -gt 100 ] || { echo "$tile is empty" >&2; exit 1; }
done

# measure NAME PORT PATH-FORMAT: prints "req/s p50 p99 transfer/s" (as wrk writes them).
measure() {
  ROUTE=tiles TILE_PATH=$3 wrk -t2 -c32 -d3s -s benches/paths.lua "http://127.0.0.1:$2" >/dev/null
  ROUTE=tiles TILE_PATH=$3 wrk -t2 -c32 -d15s --latency -s benches/paths.lua "http://127.0.0.1:$2" >"$work/$1.wrk"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$work/$1.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$1.wrk")
  echo "$rps $p50 $p99 $(awk '/Transfer\/sec/ {print $2}' "$work/$1.wrk")"
}

read -r ours ours50 ours99 ours_bytes < <(measure atlaas 18390 "/tiles/%d/%d/%d.mvt")
read -r theirs theirs50 theirs99 theirs_bytes < <(measure martin 18391 "/points/%d/%d/%d")
echo
echo "$n sample sheets, $points published places; 2,000 tiles z6-z14; wrk -t2 -c32 15 s each"
printf '%-42s %10s %8s %8s %12s\n' "" "req/s" "p50" "p99" "transfer/s"
printf '%-42s %10s %8s %8s %12s\n' "atlaas, no tile cache" "$ours" "$ours50" "$ours99" "$ours_bytes"
printf '%-42s %10s %8s %8s %12s\n' "Martin 1.14, table source, no cache" "$theirs" "$theirs50" "$theirs99" "$theirs_bytes"
echo "ratio (atlaas / Martin): $(echo "scale=2; $ours / $theirs" | bc)x"
