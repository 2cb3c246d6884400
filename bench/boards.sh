#!/usr/bin/env bash
# The live board at scale (issue 11): BOARDS server-sent event streams spread over two nodes
# of the same PostgreSQL database while matters are recorded at RATE a second through both
# nodes; each board measures how long each new matter's event takes from the use case that
# wrote it to its arrival (events come from the outbox after commit; PostgreSQL's NOTIFY
# wakes every node's tailer). Two release nodes, PostgreSQL and the client share the 2 cores.
#   bench/boards.sh [BOARDS] [RATE] [SECONDS]   (defaults 500 boards, 200 matters/s, 30 s)
set -euo pipefail
cd "$(dirname "$0")/.."
BOARDS=${1:-500}
RATE=${2:-200}
SECS=${3:-30}
PG=$(scripts/ensure-postgres)
DB=fengqiao_bench_boards
psql -q "$PG" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
URL="${PG%/*}/$DB"
cargo build --release -q --bin fengqiao
cargo build --release -q -p fengqiao-server --example board_load
BIN=$PWD/target/release/fengqiao
LOAD=$PWD/target/release/examples/board_load
DIR=$(mktemp -d)
trap 'kill $A $B 2>/dev/null || true; rm -rf "$DIR"' EXIT
export FENGQIAO_DATA_KEY=$(head -c 32 /dev/urandom | base64)
export FENGQIAO_LOG_LEVEL=warn
cd "$DIR"
# Node A builds the demo jurisdiction into the database and serves it; node B serves the same.
$BIN demo --database "$URL" --households 2000 --listen 127.0.0.1:18101 > a.txt 2>&1 & A=$!
until grep -q "Administrators need" a.txt; do sleep 0.5; kill -0 $A 2>/dev/null || { cat a.txt; exit 1; }; done
$BIN serve --database "$URL" --listen 127.0.0.1:18102 > b.txt 2>&1 & B=$!
until curl -sf http://127.0.0.1:18102/readyz > /dev/null; do sleep 0.3; kill -0 $B 2>/dev/null || { cat b.txt; exit 1; }; done
# The commander's token, and a point inside each grid of the station.
read -r TOKEN POINTS < <(python3 - <<'PY'
import http.client, json
c = http.client.HTTPConnection("127.0.0.1", 18101)
c.request("POST", "/api/v1/session", json.dumps({"username": "commander", "password": "Fengqiao@2026"}), {"content-type": "application/json"})
tok = json.loads(c.getresponse().read())["token"]
c.request("GET", "/api/v1/map/grids", headers={"authorization": "Bearer " + tok})
pts = []
for g in json.loads(c.getresponse().read())["features"]:
    ring = g["geometry"]["coordinates"][0] if g["geometry"]["type"] == "Polygon" else g["geometry"]["coordinates"][0][0]
    xs = ring[:-1]
    pts.append("%.6f,%.6f" % (sum(p[1] for p in xs) / len(xs), sum(p[0] for p in xs) / len(xs)))
print(tok, ";".join(pts))
PY
)
echo "$BOARDS boards over 2 nodes, $RATE matters/s for $SECS s (PostgreSQL $DB)"
$LOAD "$TOKEN" "$BOARDS" "$RATE" "$SECS" "$POINTS" 127.0.0.1:18101 127.0.0.1:18102
