#!/usr/bin/env bash
# Usage: tools/rabbitmq/run.sh <dir> <amqp port> <dist port> <epmd port>
# Runs a private Debian rabbitmq-server in the FOREGROUND on 127.0.0.1:<amqp port>, with its own
# node name, epmd, Erlang cookie, config, data (mnesia) and log directories under <dir>.
# SIGTERM/SIGINT stops the broker gracefully and then its private epmd: nothing is left running.
# Used by tools/rabbitmq/start.sh (detached) and by the tests (tied to the test process).
set -euo pipefail
dir="${1:?usage: run.sh <dir> <amqp port> <dist port> <epmd port>}"
amqp="${2:?amqp port}"
dist="${3:?dist port}"
epmd_port="${4:?epmd port}"
server=/usr/lib/rabbitmq/bin/rabbitmq-server
[ -x "$server" ] || { echo "run.sh: $server not found (apt-get install rabbitmq-server)" >&2; exit 2; }
mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
# A private cookie (HOME) so rabbitmqctl of another broker cannot talk to this one.
if [ ! -f "$dir/home/.erlang.cookie" ]; then
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/home/.erlang.cookie"
  chmod 400 "$dir/home/.erlang.cookie"
fi
: >"$dir/rabbitmq-env.conf" # do not read /etc/rabbitmq/rabbitmq-env.conf
echo '[].' >"$dir/enabled_plugins"
cat >"$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp
loopback_users.guest = true
log.console = false
log.file.level = warning
CONF

export HOME="$dir/home"
export ERL_EPMD_PORT="$epmd_port"
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_NODENAME="rabbit-$amqp@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$amqp"
export RABBITMQ_DIST_PORT="$dist"
export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$dir/mnesia"
export RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"

# Our own epmd (foreground, so we know its pid) on a private port; the broker registers with it.
epmd -port "$epmd_port" -address 127.0.0.1 &
epmd_pid=$!
broker_pid=
cleanup() {
  trap - TERM INT EXIT
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$broker_pid" 2>/dev/null || true
  fi
  # beam may outlive the wrapper script for a moment: wait for the VM (its pid file) to exit.
  beam=$(cat "$RABBITMQ_PID_FILE" 2>/dev/null || true)
  if [ -n "$beam" ]; then
    for _ in $(seq 1 40); do kill -0 "$beam" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$beam" 2>/dev/null || true
  fi
  kill -TERM "$epmd_pid" 2>/dev/null || true
  wait "$epmd_pid" 2>/dev/null || true
}
trap 'cleanup; exit 0' TERM INT
trap cleanup EXIT
"$server" &
broker_pid=$!
wait "$broker_pid" || true
