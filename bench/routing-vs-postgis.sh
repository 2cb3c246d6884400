#!/usr/bin/env bash
# Grid routing, side by side: our index (cargo bench) and PostGIS ST_Contains with a GiST
# index, on the same 10,000 grids and the same points. Prints both per-lookup times and the
# ratio. Installs PostGIS from Debian's packages when it is missing.
#   bench/routing-vs-postgis.sh [POINTS]   (default 200000 points for PostGIS)
set -euo pipefail
cd "$(dirname "$0")/.."
POINTS=${1:-200000}
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT

URL=$(scripts/ensure-postgres)
version=$(psql "$URL" -Atc "show server_version_num" | cut -c1-2)
if ! psql "$URL" -Atc "select 1 from pg_available_extensions where name = 'postgis'" | grep -q 1; then
  echo "installing PostGIS for PostgreSQL $version" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-$version-postgis-3" >&2
fi

echo "== our index (one thread) =="
cargo bench -q -p fengqiao-geo --bench routing -- --export "$DATA" | tee "$DATA/ours.txt"
ours=$(grep -o '[0-9.]* µs per lookup' "$DATA/ours.txt" | cut -d' ' -f1)

DB=fengqiao_routing_bench
psql "$URL" -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
BURL=$(echo "$URL" | sed -E "s#/[^/?]+(\?|$)#/$DB\1#")
head -n "$POINTS" "$DATA/points.csv" > "$DATA/points-sample.csv"
psql "$BURL" -q <<SQL
CREATE EXTENSION postgis;
CREATE TABLE grids (id int PRIMARY KEY, geom geometry(Polygon, 4326));
CREATE TABLE pts (id int PRIMARY KEY, geom geometry(Point, 4326));
\copy grids FROM '$DATA/grids.csv'
\copy pts FROM '$DATA/points-sample.csv'
CREATE INDEX grids_geom ON grids USING gist (geom);
ANALYZE grids; ANALYZE pts;
SQL
echo "== PostGIS ST_Contains with a GiST index, $POINTS points, one query (no client round trips) =="
# Best of three runs of one join: the index probe and exact test per point, nothing else.
best=""
for _ in 1 2 3; do
  ms=$(psql "$BURL" -At -c "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) SELECT count(g.id) FROM pts p JOIN grids g ON ST_Contains(g.geom, p.geom)" \
    | python3 -c 'import sys,json; print(json.load(sys.stdin)[0]["Execution Time"])')
  best=$(python3 -c "a='$best'; print(min(float(a), $ms) if a else $ms)")
done
postgis=$(python3 -c "print($best * 1000 / $POINTS)")
psql "$URL" -q -c "DROP DATABASE $DB"
python3 - <<PY
ours, postgis = float("$ours"), float("$postgis")
print(f"ours:    {ours:.3f} µs per lookup")
print(f"PostGIS: {postgis:.3f} µs per lookup ({$POINTS} points, best of 3)")
print(f"ratio:   {postgis / ours:.1f}x faster")
PY
