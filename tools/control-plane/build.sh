#!/usr/bin/env bash
# Builds kube-apiserver and etcd from Go modules (no registry ships them) and caches them
# outside the repo, keyed by version:  $DPM_CACHE_DIR/control-plane/<k8s>-<etcd>/{kube-apiserver,etcd}
# Idempotent: prints the bin dir and exits at once when both binaries are already cached.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
. "$here/versions.env"
cache=${DPM_CACHE_DIR:-$HOME/.cache/dpm-operator}
bin="$cache/control-plane/${KUBERNETES_VERSION}-${ETCD_VERSION}"
if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/etcd" ]; then
  echo "$bin"; exit 0
fi
# One build at a time per cache (parallel test runs wait for the first build).
mkdir -p "$cache/control-plane"
exec 9>"$cache/control-plane/.build.lock"
flock 9
if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/etcd" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "build.sh: Go toolchain not found (needed to build kube-apiserver/etcd)" >&2; exit 1; }
mkdir -p "$bin"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
k8s=${KUBERNETES_VERSION#v}; minor=$(echo "$k8s" | cut -d. -f2); patch=$(echo "$k8s" | cut -d. -f3)

if [ ! -x "$bin/etcd" ]; then
  echo "build.sh: building etcd $ETCD_VERSION (a few minutes)..." >&2
  mkdir -p "$work/etcd" && cd "$work/etcd"
  go mod init local/etcdbuild >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@${ETCD_VERSION}" >&2
  go build -trimpath -ldflags "-s -w" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
  mv "$bin/etcd.tmp" "$bin/etcd"
fi

if [ ! -x "$bin/kube-apiserver" ]; then
  echo "build.sh: building kube-apiserver $KUBERNETES_VERSION (10-20 minutes cold on 2 cores)..." >&2
  mkdir -p "$work/k8s" && cd "$work/k8s"
  go mod init local/k8sbuild >/dev/null 2>&1
  # k8s.io/kubernetes requires its staging modules at v0.0.0 with local replaces; pin each to v0.<minor>.<patch>.
  gomod=$(go mod download -json "k8s.io/kubernetes@${KUBERNETES_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  grep -E '^\s+k8s\.io/[^ ]+ v0\.0\.0\s*$' "$gomod" | awk '{print $1}' | sort -u | while read -r m; do
    echo "replace $m => $m v0.${minor}.${patch}" >> go.mod
  done
  go get "k8s.io/kubernetes@${KUBERNETES_VERSION}" >&2
  go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor}" \
    -o "$bin/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver >&2
  mv "$bin/kube-apiserver.tmp" "$bin/kube-apiserver"
fi
echo "$bin"
