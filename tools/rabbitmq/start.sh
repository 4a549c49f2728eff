#!/usr/bin/env bash
# Usage: tools/rabbitmq/start.sh [dir]
# Starts a private RabbitMQ (tools/rabbitmq/run.sh) in the background on free loopback ports,
# waits until it accepts AMQP connections and prints `TRANSPORT_URL=rabbit://guest:guest@127.0.0.1:<port>/`.
# State lives in <dir> (default: a new temp dir); stop it with tools/rabbitmq/stop.sh <dir>.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir="${1:-$(mktemp -d /tmp/dpm-rabbitmq.XXXXXX)}"
mkdir -p "$dir"
read -r amqp dist epmd_port < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
PY
)
setsid "$here/run.sh" "$dir" "$amqp" "$dist" "$epmd_port" >>"$dir/run.log" 2>&1 </dev/null &
echo $! >"$dir/run.pid"
url="rabbit://guest:guest@127.0.0.1:$amqp/"
printf 'AMQP_PORT=%s\nTRANSPORT_URL=%s\n' "$amqp" "$url" >"$dir/env"
for _ in $(seq 1 240); do
  # AMQP 0-9-1 handshake: the broker answers the protocol header with connection.start.
  if python3 - "$amqp" <<'PY' 2>/dev/null; then
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"AMQP\x00\x00\x09\x01")
frame = s.recv(7)
sys.exit(0 if len(frame) == 7 and frame[0] == 1 else 1)
PY
    echo "TRANSPORT_URL=$url"
    echo "RABBITMQ_DIR=$dir"
    exit 0
  fi
  kill -0 "$(cat "$dir/run.pid")" 2>/dev/null || { echo "start.sh: broker exited; see $dir/run.log $dir/log" >&2; exit 1; }
  sleep 0.25
done
echo "start.sh: broker not ready after 60 s; see $dir/log" >&2
exit 1
