#!/usr/bin/env bash
# Usage: tools/openstack/db.sh <dir> <service>   (called by run.sh, with the *_VENV variables set)
# Creates the SQLite databases of one service of the control plane in <dir>: placement; nova api +
# cell0 + cell1 (cell mappings with relative database paths and a templated transport URL, so the
# files can be copied to any run directory); cinder; neutron.
set -euo pipefail
dir="$1"
service="$2"
here="$(cd "$(dirname "$0")" && pwd)"
has() { [ "$service" = "$1" ]; }
export TRANSPORT_URL="rabbit://guest:guest@127.0.0.1:5672/"
# shellcheck source=tools/openstack/config.sh
. "$here/config.sh"
write_configs "$dir"
cd "$dir"
run() { "$@" >>"$dir/db.log" 2>&1 || { echo "db.sh: failed: $* (see below)" >&2; tail -30 "$dir/db.log" >&2; exit 1; }; }

if has placement; then
  run "$PLACEMENT_VENV/bin/placement-manage" --config-file "$dir/etc/placement/placement.conf" db sync
fi

if has nova; then
  nm() { run "$NOVA_VENV/bin/nova-manage" --config-file "$dir/etc/nova/nova.conf" "$@"; }
  nm api_db sync
  nm cell_v2 map_cell0 --database_connection "sqlite:///nova_cell0.sqlite?timeout=60"
  # {scheme}... is filled in from each service's own transport_url (nova's templated cell URLs).
  nm cell_v2 create_cell --name cell1 --transport-url '{scheme}://{username}:{password}@{hostname}:{port}/' \
    --database_connection "sqlite:///nova.sqlite?timeout=60"
  nm db sync
fi

if has cinder; then
  run "$CINDER_VENV/bin/cinder-manage" --config-file "$dir/etc/cinder/cinder.conf" db sync
fi

if has neutron; then
  # Neutron's migrations cannot ALTER constraints on SQLite: create the tables from the models and
  # stamp the migration heads.
  run "$NEUTRON_VENV/bin/python" - <<'PY'
import sqlalchemy
from neutron.db.migration.models import head
head.get_metadata().create_all(sqlalchemy.create_engine("sqlite:///neutron.sqlite"))
PY
  run "$NEUTRON_VENV/bin/neutron-db-manage" --config-file "$dir/etc/neutron/neutron.conf" stamp heads
fi
rm -rf "$dir/etc" "$dir/state"
