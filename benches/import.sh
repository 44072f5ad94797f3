#!/usr/bin/env bash
# Writes N sample sheets (default 100,000) into a fresh store of each backend through the
# store's batched upserts, and times it (gazetteer load and generation included, the same on
# both): a fresh SQLite file, and a fresh database on a PostGIS server, with the change-feed
# triggers on. Usage: ATLAAS_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres \
#   benches/import.sh [N]    (scripts/postgres start gives such a server)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
admin=${ATLAAS_BENCH_POSTGRES_URL:?an admin URL of a PostGIS server}
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db="atlaas_import_$$"
psql -q "$admin" -c "CREATE DATABASE $db"
trap 'rm -rf "$work"; psql -q "$admin" -c "DROP DATABASE IF EXISTS $db"' EXIT

TIMEFORMAT='  %R s (wall clock)'
for target in "sqlite://$work/atlaas.db" "${admin%/*}/$db"; do
  echo "== ${target%%:*}"
  time ./target/release/atlaas sample --count "$n" --seed 42 --database-url "$target" 2>&1 | tail -1
done
