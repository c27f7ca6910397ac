#!/usr/bin/env bash
# Issue 20's reproductions against the release binary, all on 127.0.0.1:
# cargo build --release && bash benches/repro/issue20.sh   (needs python3, curl, faketime)
set -u
BIN=${BIN:-target/release/video-usage-exporter}
FIX=$PWD/tests/fixtures
D=$(mktemp -d); cp benches/repro/fake_wowza.py "$D/"; BIN=$(realpath "$BIN"); cd "$D"
MODE=$D/mode python3 fake_wowza.py 18081 "$FIX" & FAKE=$!
conf() { cat > config.yml <<YML
refresh_interval: 5m
wowza:
  - account: w
    api_url: http://127.0.0.1:18081/api/v1
    api_key: k
    access_key: a
    viewer_data: false
    periods: [month]
    quotas: {egress_bytes: {month: $1}}
YML
}
conf 1TB
echo "+0" > clock
echo 10000000000000000000 > mode
FAKETIME_TIMESTAMP_FILE=$D/clock FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
  $BIN --config.file=config.yml --web.listen-address=127.0.0.1:19878 > log.txt 2>&1 & EXP=$!
for i in $(seq 50); do curl -sf 127.0.0.1:19878/-/ready >/dev/null && break; sleep 0.2; done
echo "== Retry-After: 10000000000000000000"
echo "metrics: $(curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:19878/metrics), ready: $(curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:19878/-/ready), landing: $(curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:19878/)"
curl -s 127.0.0.1:19878/metrics | grep '^video_usage_exporter_up{' | head -2
curl -s 127.0.0.1:19878/ | grep -o 'in 1h[^<]*' | head -1
echo "== upstream recovers; clock moves 1h"
rm -f mode; echo "+3601s" > clock
for i in $(seq 50); do curl -s 127.0.0.1:19878/metrics | grep -q 'usage/time/transcoders",period="month"} 1' && break; sleep 0.2; done
curl -s 127.0.0.1:19878/metrics | grep '^video_usage_exporter_up{' 
echo "series: $(curl -s 127.0.0.1:19878/metrics | grep -c '^wowza_cloud_')"
echo "== POST /-/reload without --web.enable-lifecycle"
curl -s -X POST -w ' (%{http_code})\n' 127.0.0.1:19878/-/reload
echo "== quota-only reload by SIGHUP, scraping every 20 ms throughout"
before=$(curl -s 127.0.0.1:19878/metrics | grep -c '^wowza_cloud_')
conf 2TB
( for i in $(seq 100); do curl -s 127.0.0.1:19878/metrics | grep -c '^wowza_cloud_'; sleep 0.02; done > counts.txt ) & SCR=$!
sleep 0.5; kill -HUP $EXP; wait $SCR
echo "wowza series before: $before; during and after (min/max of 100 scrapes): $(sort -n counts.txt | head -1)/$(sort -n counts.txt | tail -1)"
curl -s 127.0.0.1:19878/metrics | grep '^video_usage_quota_bytes'
grep 'config reloaded' log.txt
echo "== panics in the log: $(grep -ci panic log.txt)"
kill $EXP $FAKE
