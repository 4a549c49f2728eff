#!/usr/bin/env bash
# The image tier (`npm run test:image`): builds the image (tools/image.sh, cached by content), starts
# podman's Docker-compatible API on a private socket for testcontainers, runs test/image/*.test.ts
# against it (with the harness's kube-apiserver), and removes every container of the tier - also the
# leftovers of an earlier run, and also when a test fails; fails when a container or a conmon process
# is left behind. Extra arguments go to jest (a path filter; tools/test-all.sh passes --json
# --outputFile=... to count the tier's tests into its total).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
t0=$(date +%s)
bash tools/image.sh || { echo "image tier: 0 passed, 1 failed (the image did not build)"; exit 1; }
t_build=$(($(date +%s) - t0))
# shellcheck source=tools/podman/env.sh
source tools/podman/env.sh

LABEL=dpm-operator.test
remove_tier_containers() {
  local ids
  ids=$(podman ps -aq --filter "label=$LABEL")
  # shellcheck disable=SC2086 # one id per word
  [ -z "$ids" ] || podman rm -f -t 5 $ids >/dev/null
}
remove_tier_containers # an earlier run's, if it was killed
conmon_before=$(pgrep -xc conmon)

run=$(mktemp -d "${TMPDIR:-/tmp}/dpm-image-tier-XXXXXX")
sock=$run/podman.sock
podman system service --time=0 "unix://$sock" >"$run/service.log" 2>&1 &
service_pid=$!
cleanup() {
  remove_tier_containers
  kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  rm -rf "$run"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  [ -S "$sock" ] && node -e 'require("node:http").get({ socketPath: process.argv[1], path: "/_ping" },
    (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))' "$sock" && break
  sleep 0.1
done
[ -S "$sock" ] || { cat "$run/service.log"; echo "image tier: 0 passed, 1 failed (no podman service)"; exit 1; }

# testcontainers on podman 4.3 (issue 12): no Ryuk (its image cannot be pulled here; cleanup is by
# label above); /.dockerenv would make it pick the bridge gateway as the host of published ports.
export DOCKER_HOST=unix://$sock TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export DPM_IMAGE
DPM_IMAGE=$(node -p 'require("./dist/image/image.json").image')
t1=$(date +%s)
node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js \
  -c test/image/jest.config.js "$@"
rc=$?
left=$(podman ps -aq --filter "label=$LABEL" | wc -l)
remove_tier_containers
for _ in $(seq 1 50); do # a removed container's conmon exits a moment later
  conmon_after=$(pgrep -xc conmon)
  [ "$conmon_after" -le "$conmon_before" ] && break
  sleep 0.2
done
echo "image tier: build/check ${t_build} s, tests $(($(date +%s) - t1)) s;" \
  "left behind: $left containers, $((conmon_after - conmon_before)) conmon processes"
[ "$left" = 0 ] && [ "$conmon_after" -le "$conmon_before" ] || rc=1
exit $rc
