#!/usr/bin/env bash
# Usage: tools/openstack/venvs.sh [service ...]   (default: nova placement cinder neutron openstackclient)
# Builds (once; cached by the hash of each pinned requirements file, see tools/python/setup.sh) one
# venv per OpenStack service of the project's control plane (and one for python-openstackclient, the
# CLI of the end-to-end test) and prints `<SERVICE>_VENV=<dir>` lines.
# The venvs are built one after the other: pip in parallel on 2 cores is slower, not faster.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
services=("$@")
[ ${#services[@]} -gt 0 ] || services=(nova placement cinder neutron openstackclient)
for s in "${services[@]}"; do
  req="$root/tools/python/requirements-$s.txt"
  venv="$("$root/tools/python/setup.sh" "$req")"
  echo "$(echo "$s" | tr a-z A-Z)_VENV=$venv"
done
