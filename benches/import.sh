#!/usr/bin/env bash
# Imports N sample sheets (default 100,000) from a CSV file into a fresh store of each backend,
# and times it end to end as a person runs it (gazetteer load, reading, checking and geocoding
# every row by its coordinates — the slowest geocoding method —, writing in one transaction):
# a fresh SQLite file, and a fresh database on a PostGIS server with the change-feed triggers
# on. Then the same file again (every sheet unchanged: nothing written), and, as a baseline,
# `atlaas sample` writing the same sheets straight into the store.
# Usage: ATLAAS_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres \
#   benches/import.sh [N]    (scripts/postgres start gives such a server)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
admin=${ATLAAS_BENCH_POSTGRES_URL:?an admin URL of a PostGIS server}
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
atlaas=./target/release/atlaas

"$atlaas" sample --count "$n" --seed 42 --out "$work/sheets.csv" 2>/dev/null
echo "$n sheets, $(wc -c <"$work/sheets.csv") bytes of CSV"

dbs=()
cleanup() {
  rm -rf "$work"
  for db in "${dbs[@]}"; do psql -q "$admin" -c "DROP DATABASE IF EXISTS $db"; done
}
trap cleanup EXIT
fresh_pg() {
  local db="atlaas_import_$$_$1"
  psql -q "$admin" -c "CREATE DATABASE $db"
  dbs+=("$db")
  echo "${admin%/*}/$db"
}

TIMEFORMAT='  %R s (wall clock)'
for backend in sqlite postgres; do
  if [ "$backend" = sqlite ]; then
    target="sqlite://$work/import.db" baseline="sqlite://$work/sample.db"
  else
    target=$(fresh_pg import) baseline=$(fresh_pg sample)
  fi
  echo "== $backend: atlaas import (first time)"
  time "$atlaas" import "$work/sheets.csv" --database-url "$target" 2>&1 | sed -n 3p
  echo "== $backend: atlaas import (same file again)"
  time "$atlaas" import "$work/sheets.csv" --database-url "$target" 2>&1 | sed -n 3p
  echo "== $backend: atlaas sample (straight into the store, no file)"
  time "$atlaas" sample --count "$n" --seed 42 --database-url "$baseline" 2>&1 | tail -1
done
