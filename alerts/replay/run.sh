#!/usr/bin/env bash
# Replay harness: generates the scenarios (generate.py, seeded) into a
# temporary directory and runs them through `promtool test rules` against
# alerts/video-usage.rules.yml, two at a time. Run from anywhere; needs
# python3 and promtool. See alerts/replay/README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
started=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/generate.py" "$work" "$here/../video-usage.rules.yml"
# One promtool per scenario, two in parallel (each is single-threaded
# most of the time); every output is shown, any failure fails the run.
failed=0
ls "$work"/*.test.yml | xargs -P "${REPLAY_JOBS:-2}" -I{} sh -c \
  'promtool test rules "$1" >"$1.out" 2>&1 || touch "$1.failed"' _ {}
for f in "$work"/*.test.yml; do
  if [ -e "$f.failed" ]; then
    cat "$f.out" >&2
    failed=1
  fi
done
n=$(ls "$work"/*.test.yml | wc -l)
if [ "$failed" != 0 ]; then
  echo "replay: FAILED (above). If a rule change fixed a known-noisy alert or a known miss, update KNOWN_NOISY / TTD in alerts/replay/generate.py and the tables in alerts/replay/README.md." >&2
  exit 1
fi
echo "replay: OK: $n scenarios, $(( $(wc -c <"$(ls "$work"/*.test.yml | head -1)") / 1024 )) KiB each ($((SECONDS - started))s)"
