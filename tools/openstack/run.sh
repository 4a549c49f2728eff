#!/usr/bin/env bash
# Usage: tools/openstack/run.sh <dir>
# Runs the project's OpenStack control plane in the FOREGROUND, all on 127.0.0.1, without keystone:
# placement, nova-api + nova-conductor + nova-scheduler (nova 32.1), cinder-api + cinder-scheduler +
# cinder-volume (the project's Fibre Channel test driver) and neutron-api (ML2 with the project's DPM
# mechanism driver), each from its own cached venv (tools/openstack/venvs.sh), on an existing RabbitMQ.
#
# Environment (ports are chosen by the caller, e.g. free ports of a test):
#   TRANSPORT_URL      rabbit://guest:guest@127.0.0.1:<port>/   (required)
#   OS_PLACEMENT_PORT, OS_NOVA_PORT, OS_CINDER_PORT, OS_NEUTRON_PORT   (required for the services run)
#   OS_SERVICES        services to run (default: "placement nova cinder neutron")
#   DPM_VSWITCH_MAPPINGS  <physnet>:<vswitch object-id>[,...] for the DPM mechanism driver
#   OS_RABBIT_QUORUM   true (default) or false: [oslo_messaging_rabbit] rabbit_quorum_queue of every
#                      service (a compute host must declare its queues alike: nova-bridge --quorum-queues)
#   OS_PARENT_PID      stop everything when this process is gone (default: our parent)
#
# When every service answers, writes <dir>/endpoints.env (URLs, token, venvs), <dir>/clouds.yaml (cloud
# `dpm` for python-openstackclient: $OPENSTACKCLIENT_VENV/bin/openstack --os-cloud dpm) and then <dir>/ready.
# Logs: <dir>/log/<service>.log. SIGTERM/SIGINT (or the parent's death) stops every service and
# everything it forked (each runs in its own process group). Databases are SQLite files in <dir>,
# copied from a template built once per set of venvs (the schema set-up takes ~25 s).
set -euo pipefail
dir="$(mkdir -p "${1:?usage: run.sh <dir>}" && cd "$1" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
: "${TRANSPORT_URL:?TRANSPORT_URL is required}"
services="${OS_SERVICES:-placement nova cinder neutron}"
parent="${OS_PARENT_PID:-$PPID}"
has() { [[ " $services " == *" $1 "* ]]; }
log() { echo "run.sh: $(date +%H:%M:%S) $*" >&2; }

mkdir -p "$dir/log" "$dir/state/lock" "$dir/etc"
rm -f "$dir/ready" "$dir/endpoints.env"

# --- venvs --------------------------------------------------------------------------------------
need=(nova placement openstackclient)
has cinder && need+=(cinder)
has neutron && need+=(neutron)
t0=$SECONDS
set -a
eval "$("$here/venvs.sh" "${need[@]}")"
set +a
log "venvs ready in $((SECONDS - t0)) s"
# dpm_openstack (serve, noauth, the FC driver, the ML2 driver) and sitecustomize.py: every service's
# SQLite transactions BEGIN IMMEDIATE (a second writer waits its turn instead of "database is locked").
export PYTHONPATH="$here/python${PYTHONPATH:+:$PYTHONPATH}"

# --- configuration ------------------------------------------------------------------------------
# Relative SQLite paths (timeout=60: processes share the files and wait for their locks on a loaded
# machine instead of failing after 5 s): every service runs with <dir> as its working directory, so a database
# template (and nova's cell mappings stored in it) is valid in any <dir>.
# shellcheck source=tools/openstack/config.sh
. "$here/config.sh"
write_configs "$dir"

# --- databases (a template per service, cached per venv and db.sh) -----------------
cache="${DPM_CACHE_DIR:-$HOME/.cache/dpm-operator}"
for svc in $services; do
  venv_var="$(echo "$svc" | tr a-z A-Z)_VENV"
  key="$(cat "$here/db.sh" <(echo "$svc ${!venv_var}") | sha256sum | cut -c1-16)"
  template="$cache/openstack-db-$svc-$key"
  if [ ! -f "$template/.done" ]; then
    exec 8>"$template.lock"
    flock 8
    if [ ! -f "$template/.done" ]; then
      t0=$SECONDS
      rm -rf "$template" && mkdir -p "$template"
      bash "$here/db.sh" "$template" "$svc"
      touch "$template/.done"
      log "$svc database template built in $((SECONDS - t0)) s"
    fi
    exec 8>&-
  fi
  cp "$template"/*.sqlite "$dir/"
done
# WAL journals (persistent in the file): readers never block the writer.
python3 - "$dir"/*.sqlite <<'PY'
import sqlite3, sys
for f in sys.argv[1:]:
    sqlite3.connect(f).execute("PRAGMA journal_mode=WAL").fetchall()
PY

# --- processes ------------------------------------------------------------------------------------
pids=()
stop_all() {
  trap - TERM INT EXIT
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  for _ in $(seq 1 40); do
    alive=0
    for p in "${pids[@]}"; do kill -0 -- "-$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.25
  done
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  [ -z "${watchdog:-}" ] || kill "$watchdog" 2>/dev/null || true
}
trap 'stop_all; exit 0' TERM INT
trap stop_all EXIT

# start <name> <command...>: in its own process group (so its forks are stopped with it), cwd <dir>.
start() {
  local name="$1"
  shift
  (cd "$dir" && exec setsid "$@" >>"$dir/log/$name.log" 2>&1) &
  pids+=($!)
  echo $! >>"$dir/pgids"
}

# A watchdog: when the parent (or this script, even by SIGKILL) is gone, every group is stopped.
: >"$dir/pgids"
(
  while kill -0 "$parent" 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 1; done
  kill -TERM $$ 2>/dev/null || true
  sleep 10
  while read -r p; do kill -KILL -- "-$p" 2>/dev/null || true; done <"$dir/pgids"
) &
watchdog=$!

# http_get <url> [must contain]: true when the URL answers (any status) and its body has the text.
http_get() {
  python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], headers={"X-Auth-Token": "admin:admin"})
try:
    body = urllib.request.urlopen(req, timeout=5).read().decode()
except urllib.error.HTTPError as e:
    body = e.read().decode()
except Exception:
    sys.exit(1)
sys.exit(0 if len(sys.argv) < 3 or sys.argv[2] in body else 1)
PY
}

wait_http() { # <name> <url>
  local deadline=$((SECONDS + ${OS_START_TIMEOUT:-180}))
  until http_get "$2"; do
    [ $SECONDS -lt $deadline ] || { log "$1 did not answer on $2 (see $dir/log/$1.log)"; exit 1; }
    sleep 0.3
  done
}

t0=$SECONDS
serve() { # <name> <venv> <port> <module:app> [-- <application arguments>]
  local name="$1" venv="$2"
  shift 2
  start "$name" "$venv/bin/python" -m dpm_openstack.serve "$@"
}
if has placement; then
  OS_PLACEMENT_CONFIG_DIR="$dir/etc/placement" serve placement "$PLACEMENT_VENV" "$OS_PLACEMENT_PORT" 'placement.wsgi:init_application()'
fi
export OS_NOVA_CONFIG_DIR="$dir/etc/nova"
if has nova; then
  # nova-api runs on native threads (eventlet's hub never runs under a threaded WSGI server: its
  # cell scatter-gather would hang); conductor and scheduler keep nova's eventlet default.
  OS_NOVA_DISABLE_EVENTLET_PATCHING=true serve nova-api "$NOVA_VENV" "$OS_NOVA_PORT" 'nova.wsgi.osapi_compute:application'
  start nova-conductor "$NOVA_VENV/bin/nova-conductor" --config-file "$dir/etc/nova/nova.conf"
  start nova-scheduler "$NOVA_VENV/bin/nova-scheduler" --config-file "$dir/etc/nova/nova.conf"
fi
if has cinder; then
  serve cinder-api "$CINDER_VENV" "$OS_CINDER_PORT" 'cinder.wsgi.wsgi:initialize_application()' \
    -- --config-file "$dir/etc/cinder/cinder.conf"
  start cinder-scheduler "$CINDER_VENV/bin/cinder-scheduler" --config-file "$dir/etc/cinder/cinder.conf"
fi
if has neutron; then
  OS_NEUTRON_CONFIG_DIR="$dir/etc/neutron" OS_NEUTRON_CONFIG_FILES=neutron.conf \
    serve neutron-api "$NEUTRON_VENV" "$OS_NEUTRON_PORT" 'neutron.wsgi.api:application'
fi

has placement && wait_http placement "http://127.0.0.1:$OS_PLACEMENT_PORT/"
has nova && wait_http nova-api "http://127.0.0.1:$OS_NOVA_PORT/"
has cinder && wait_http cinder-api "http://127.0.0.1:$OS_CINDER_PORT/"
has neutron && wait_http neutron-api "http://127.0.0.1:$OS_NEUTRON_PORT/"
# conductor and scheduler: ready once they consume their topics (their log says so).
if has nova; then
  for s in nova-conductor nova-scheduler; do
    deadline=$((SECONDS + ${OS_START_TIMEOUT:-180}))
    until grep -q "Starting .* node\|Connected to AMQP\|Started " "$dir/log/$s.log" 2>/dev/null; do
      [ $SECONDS -lt $deadline ] || { log "$s did not start (see $dir/log/$s.log)"; exit 1; }
      sleep 0.3
    done
  done
fi
# cinder-volume only once the scheduler runs (both register themselves in the database at start).
if has cinder; then
  deadline=$((SECONDS + ${OS_START_TIMEOUT:-180}))
  until grep -q "Starting cinder-scheduler node" "$dir/log/cinder-scheduler.log" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { log "cinder-scheduler did not start (see $dir/log/cinder-scheduler.log)"; exit 1; }
    sleep 0.3
  done
  start cinder-volume "$CINDER_VENV/bin/cinder-volume" --config-file "$dir/etc/cinder/cinder.conf"
fi
# cinder: ready once the scheduler knows the backend's pool (else a volume create fails).
if has cinder; then
  deadline=$((SECONDS + ${OS_START_TIMEOUT:-180}))
  until http_get "http://127.0.0.1:$OS_CINDER_PORT/v3/scheduler-stats/get_pools" '"name"'; do
    [ $SECONDS -lt $deadline ] || { log "cinder-scheduler knows no pool (see $dir/log/cinder-*.log)"; exit 1; }
    sleep 0.5
  done
fi
write_endpoints "$dir" >"$dir/endpoints.env"
write_clouds_yaml >"$dir/clouds.yaml"
touch "$dir/ready"
log "control plane ready in $((SECONDS - t0)) s: $services"

# Stay in the foreground until told to stop; a service that dies stops everything (loudly).
while true; do
  for p in "${pids[@]}"; do
    if ! kill -0 "$p" 2>/dev/null; then
      log "a service (pid $p) exited; stopping the control plane"
      exit 1
    fi
  done
  sleep 1 &
  wait $! || true
done
