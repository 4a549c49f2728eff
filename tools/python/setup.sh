#!/usr/bin/env bash
# Usage: tools/python/setup.sh <requirements file>
# Creates (or reuses) a Python venv keyed by the sha256 of the requirements file under
# ${DPM_CACHE_DIR:-$HOME/.cache/dpm-operator}/venv-<sha>, installs the requirements once and
# prints the venv directory on stdout (all other output goes to stderr).
set -euo pipefail
req="${1:?usage: setup.sh <requirements file>}"
[ -f "$req" ] || { echo "setup.sh: no such file: $req" >&2; exit 2; }
sha="$(sha256sum "$req" | cut -c1-16)"
cache="${DPM_CACHE_DIR:-$HOME/.cache/dpm-operator}"
venv="$cache/venv-$sha"
stamp="$venv/.dpm-installed"
if [ ! -f "$stamp" ]; then
  mkdir -p "$cache"
  lock="$cache/venv-$sha.lock"
  exec 9>"$lock"
  flock 9
  if [ ! -f "$stamp" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip >&2 || true
    "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" >&2
    cp "$req" "$stamp"
  fi
fi
echo "$venv"
