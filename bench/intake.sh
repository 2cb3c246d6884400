#!/usr/bin/env bash
# Intake over HTTP: POST /api/v1/matters (validate, route to the grid, write the matter with
# its event and audit record, score its risk, apply the tier rules; the search index takes
# it on its next sync) against the demo on SQLite with synchronous=FULL, driven by wrk.
#   bench/intake.sh [SECONDS] [CONNECTIONS]   (defaults 20 s, 32 connections)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
CONNS=${2:-32}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release -q --bin fengqiao
BIN=$PWD/target/release/fengqiao
DIR=$(mktemp -d); trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
cd "$DIR"
FENGQIAO_LOG_LEVEL=warn $BIN demo --households 2000 --listen 127.0.0.1:18098 > demo.txt 2>&1 & SERVER=$!
until grep -q "Administrators need" demo.txt; do sleep 0.2; done
# A token, and a point inside each grid of the station (the commander records anywhere).
python3 - <<'PY'
import http.client, json
c = http.client.HTTPConnection("127.0.0.1", 18098)
c.request("POST", "/api/v1/session", json.dumps({"username": "commander", "password": "Fengqiao@2026"}), {"content-type": "application/json"})
tok = json.loads(c.getresponse().read())["token"]
c.request("GET", "/api/v1/map/grids", headers={"authorization": "Bearer " + tok})
grids = json.loads(c.getresponse().read())["features"]
pts = []
for g in grids:
    ring = g["geometry"]["coordinates"][0] if g["geometry"]["type"] == "Polygon" else g["geometry"]["coordinates"][0][0]
    xs = ring[:-1]
    pts.append((sum(p[1] for p in xs) / len(xs), sum(p[0] for p in xs) / len(xs)))
texts = ["楼上装修噪音扰民，多次沟通无果", "楼道堆放杂物影响通行", "空调外机滴水到楼下阳台", "物业费收取标准有争议", "装修工人被拖欠工资"]
with open("intake.lua", "w") as f:
    f.write('wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\n')
    f.write(f'wrk.headers["authorization"] = "Bearer {tok}"\n')
    f.write("local pts = {" + ",".join(f"{{{a:.6f},{b:.6f}}}" for a, b in pts) + "}\n")
    f.write("local texts = {" + ",".join(f'"{t}"' for t in texts) + "}\n")
    f.write("local n = 0\nrequest = function()\n  n = n + 1\n  local p = pts[(n % #pts) + 1]\n  local t = texts[(n % #texts) + 1]\n")
    f.write('  local body = string.format(\'{"kind":"dispute","category":"neighbour","narrative":"%s 第%d号","lat":%f,"lon":%f}\', t, n, p[1], p[2])\n')
    f.write("  return wrk.format(nil, \"/api/v1/matters\", nil, body)\nend\n")
    f.write('done = function(summary, latency, requests)\n  local errs = summary.errors\n  io.write(string.format("non-2xx or socket errors: %d\\n", errs.status + errs.connect + errs.read + errs.write + errs.timeout))\nend\n')
PY
echo "wrk: $CONNS connections, $SECS s, SQLite synchronous=FULL"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s intake.lua http://127.0.0.1:18098 | grep -E "Requests/sec|Latency|50%|90%|99%|requests in|non-2xx"
