#!/usr/bin/env bash
# Scale benchmarks side by side, on this machine, in one run:
#  1. how cost grows: 1k -> 10k -> 100k -> 1M URLs (refresh, scrape text and
#     gzip, exporter peak RSS);
#  2. max_series: 1000 on the 1M-URL account;
#  3. at 100k URLs, the same series served by a Python prometheus_client
#     exporter (PyPI, in a venv) and by nginx as a static file (the floor),
#     measured with the same client and the same body checks; then 50
#     concurrent scrapers for 10 s against this exporter, counting the
#     upstream calls they cause.
# Every figure comes from a body that was decoded and checked.
# Usage: bash benches/compare.sh [growth] [caps] [peers]   (default: all three;
# needs python3-venv and nginx, installed as root when missing)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nginx >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nginx python3-venv >/dev/null
fi
venv=target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q 'prometheus_client==0.21.1'

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

bench() { cargo bench -q --bench scrape 2>"$work/bench.err" | grep -v '^$' || { cat "$work/bench.err" >&2; return 1; }; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

parts="${*:-growth caps peers}"
part() { [[ " $parts " == *" $1 "* ]]; }

if part growth; then
echo "== growth"
for urls in 1000 10000 100000 1000000; do
  scrapes=20; [ "$urls" -ge 1000000 ] && scrapes=5
  VUE_BENCH_URLS=$urls VUE_BENCH_SCRAPES=$scrapes bench
done

fi

if part caps; then
echo "== max_series: 1000 on 1,000,000 URLs"
VUE_BENCH_URLS=1000000 VUE_BENCH_MAX_SERIES=1000 VUE_BENCH_SCRAPES=20 bench
fi

part peers || exit 0

echo "== 100,000 URLs: this exporter, prometheus_client, nginx"
VUE_BENCH_DUMP="$work/metrics.txt" VUE_BENCH_LOAD_SECONDS=10 bench
mkdir -p "$work/www"
# Only the provider series: the other servers have no self-metrics.
grep -v '^video_usage_exporter_\|^# .* video_usage_exporter_\|^# EOF' "$work/metrics.txt" > "$work/www/metrics"
gzip -1 -k "$work/www/metrics"
# nginx's workers run unprivileged; mktemp's directory is private.
chmod -R a+rX "$work"

py_port=$(free_port)
"$venv/bin/python" benches/prometheus_client_exporter.py "$work/www/metrics" "$py_port" &
pids+=($!)
nginx_port=$(free_port)
cat > "$work/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.log;
events {}
http {
  access_log off;
  sendfile on;
  gzip_static on;
  default_type text/plain;
  server {
    listen 127.0.0.1:$nginx_port;
    # /metrics is the file, /metrics.gz its gzip (gzip_static needs root, not alias).
    root $work/www;
  }
}
NGINX
nginx -c "$work/nginx.conf" &
pids+=($!)
for port in "$py_port" "$nginx_port"; do
  ok=
  for _ in $(seq 1 200); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && { ok=1; break; }
    sleep 0.1
  done
  [ -n "$ok" ] || { echo "nothing serves /metrics on port $port" >&2; exit 1; }
done
echo "-- prometheus_client $("$venv/bin/python" -c 'import prometheus_client, sys; print(prometheus_client.__version__ if hasattr(prometheus_client, "__version__") else "", sys.version.split()[0])')"
VUE_BENCH_TARGET="http://127.0.0.1:$py_port/metrics" VUE_BENCH_SCRAPES=5 bench
echo "-- nginx $(nginx -v 2>&1 | sed 's/.*\///'), static file (gzip_static for gzip)"
VUE_BENCH_TARGET="http://127.0.0.1:$nginx_port/metrics" bench
