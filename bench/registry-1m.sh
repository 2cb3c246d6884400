#!/usr/bin/env bash
# Registry at a million residents: import time through `fengqiao import` (SQLite,
# synchronous=FULL) and resident search latency through the API (name, pinyin, initials;
# each search writes its audit record, as in production).
#   bench/registry-1m.sh [HOUSEHOLDS]   (default 400000 → about 1,000,000 residents)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-400000}
cargo build --release -q
BIN=$PWD/target/release/fengqiao
DIR=$(mktemp -d); trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
python3 bench/gen_registry.py "$DIR" "$N"
cd "$DIR"
# The demo's organisation and grids, without its households.
$BIN demo --households 0 --listen 127.0.0.1:0 > demo.txt 2>&1 & DEMO=$!
until grep -q "serving on" demo.txt; do sleep 0.2; done; kill $DEMO; wait $DEMO 2>/dev/null || true
DB=sqlite://$DIR/fengqiao-demo.db
/usr/bin/time -f "households import: %e s, max RSS %M KB" $BIN import households --database "$DB" households.csv
/usr/bin/time -f "residents import: %e s, max RSS %M KB" $BIN import residents --database "$DB" residents.csv
$BIN serve --database "$DB" --listen 127.0.0.1:18099 > serve.txt 2>&1 & SERVER=$!
until grep -q "serving on" serve.txt; do sleep 0.2; done
python3 - <<'PY'
import http.client, json, random, time, statistics
c = http.client.HTTPConnection("127.0.0.1", 18099)
c.request("POST", "/api/v1/session", json.dumps({"username": "commander", "password": "Fengqiao@2026"}), {"content-type": "application/json"})
tok = json.loads(c.getresponse().read())["token"]
rnd = random.Random(7)
queries = [rnd.choice("王李张刘陈杨赵黄周吴") + rnd.choice(["伟", "芳", "建华", "子涵", "世川", "敏"]) for _ in range(100)]
queries += [rnd.choice(["wang", "li", "zhang", "liu", "chen"]) + rnd.choice(["wei", "fang", "jianhua", "zihan"]) for _ in range(100)]
queries += [rnd.choice("wlzlcyzhz") + rnd.choice("wfjzsm") + rnd.choice("hxc") for _ in range(100)]
lat = []
for q in queries:
    t = time.perf_counter()
    c.request("GET", "/api/v1/residents?limit=20&q=" + __import__("urllib.parse").parse.quote(q), headers={"authorization": "Bearer " + tok})
    r = c.getresponse(); body = r.read()
    assert r.status == 200, body
    lat.append((time.perf_counter() - t) * 1000)
lat.sort()
p = lambda x: lat[int(len(lat) * x) - 1]
print(f"resident search over HTTP, {len(lat)} queries (name, pinyin, initials): p50 {p(0.5):.2f} ms, p95 {p(0.95):.2f} ms, p99 {p(0.99):.2f} ms")
PY
