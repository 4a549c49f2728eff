#!/usr/bin/env bash
# Copies the generated CRDs (deploy/crds/*.yaml) into the Helm chart's crds/ directory, which Helm
# installs before the templates (and never upgrades or deletes).
#   tools/sync-chart-crds.sh          copy (and remove chart CRDs that no longer exist)
#   tools/sync-chart-crds.sh --check  exit 1 if the chart's copy differs from deploy/crds
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src="$top/deploy/crds"
dst="$top/deploy/helm/dpm-operator/crds"
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
shopt -s nullglob
srcs=("$src"/*.yaml)
if [ ${#srcs[@]} -eq 0 ]; then
  echo "sync-chart-crds: no CRDs in $src (generate them first)" >&2
  exit 1
fi
if [ $check -eq 1 ]; then
  drift=0
  for f in "${srcs[@]}"; do
    b=$(basename "$f")
    if [ ! -f "$dst/$b" ]; then echo "sync-chart-crds: missing in chart: crds/$b" >&2; drift=1
    elif ! cmp -s "$f" "$dst/$b"; then echo "sync-chart-crds: differs from deploy/crds: crds/$b" >&2; drift=1; fi
  done
  for f in "$dst"/*.yaml; do
    b=$(basename "$f")
    [ -f "$src/$b" ] || { echo "sync-chart-crds: not in deploy/crds: crds/$b" >&2; drift=1; }
  done
  if [ $drift -ne 0 ]; then
    echo "sync-chart-crds: the chart's CRDs are out of date; run tools/sync-chart-crds.sh" >&2
    exit 1
  fi
  echo "sync-chart-crds: chart CRDs match deploy/crds (${#srcs[@]} files)"
  exit 0
fi
mkdir -p "$dst"
for f in "$dst"/*.yaml; do [ -f "$src/$(basename "$f")" ] || rm -f "$f"; done
for f in "${srcs[@]}"; do cp "$f" "$dst/$(basename "$f")"; done
echo "sync-chart-crds: copied ${#srcs[@]} CRDs to ${dst#"$top"/}"
