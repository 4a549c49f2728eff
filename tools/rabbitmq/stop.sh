#!/usr/bin/env bash
# Usage: tools/rabbitmq/stop.sh <dir>   (the dir given to / printed by start.sh)
# Stops the broker and its private epmd gracefully; removes nothing else.
set -euo pipefail
dir="${1:?usage: stop.sh <dir>}"
pid=$(cat "$dir/run.pid" 2>/dev/null) || { echo "stop.sh: no $dir/run.pid" >&2; exit 1; }
kill -TERM "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.25; done
echo "stop.sh: broker (pid $pid) still running after 20 s" >&2
exit 1
