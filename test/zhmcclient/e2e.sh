#!/usr/bin/env bash
# Runs IBM zhmcclient's own end-to-end tests (tests/end2end of its sdist) against the HMC simulator.
# Usage: test/zhmcclient/e2e.sh <output dir> [pytest args...]
# Writes <output dir>/e2e-<world>.xml (JUnit) per simulator world and prints per-file counts.
# zhmcclient's test fixtures connect to port 6794 of the HMC's host (no port setting), so each
# world gets a simulator of its own on a random loopback address 127.x.y.z:6794, with a fresh CA
# whose server certificate names that address; TLS verification stays on (vault: ca_certs).
set -uo pipefail
out="${1:?usage: e2e.sh <output dir> [pytest args...]}"
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
version=1.26.0
cache="${DPM_CACHE_DIR:-$HOME/.cache/dpm-operator}"
venv=$(bash tools/python/setup.sh tools/python/requirements-zhmc-e2e.txt) || exit 1
src="$cache/zhmcclient-sdist-$version/zhmcclient-$version"
if [ ! -d "$src/tests/end2end" ]; then
  mkdir -p "$cache/zhmcclient-sdist-$version"
  (
    cd "$cache/zhmcclient-sdist-$version" &&
      "$venv/bin/python" -m pip download --disable-pip-version-check -q --no-deps \
        --no-binary :all: "zhmcclient==$version" -d . >&2 &&
      tar xzf "zhmcclient-$version.tar.gz"
  ) || { echo "e2e.sh: cannot get the zhmcclient $version sdist" >&2; exit 1; }
fi
mkdir -p "$out"

# world -> test files (HBAs exist only where dpm-storage-management is off: the z13 seed)
declare -A files=(
  [current]="test_cpc.py test_adapter.py test_port.py test_virtual_switch.py test_nic.py test_partition.py
    test_storage_group.py test_storage_volume.py test_virtual_storage_resource.py test_storage_group_template.py"
  [z13]="test_hba.py"
)
rc=0
declare -A tmp pid addr
# Start both simulators at once (each takes a while to come up), then run the files per world.
for world in current z13; do
  tmp[$world]=$(mktemp -d)
  addr[$world]="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))"
  # tsx itself, not npx: npx's pid is not the simulator's parent, and killing it left both simulators running.
  node_modules/.bin/tsx src/cli.ts hmc-sim --host "${addr[$world]}" --port 6794 --stomp-port 0 --seed-name "$world" \
    --ready-file "${tmp[$world]}/ready.json" --tls-dir "${tmp[$world]}/tls" --job-duration-ms 0 \
    --log-level warn >"${tmp[$world]}/sim.log" 2>&1 &
  pid[$world]=$!
done
for world in current z13; do
  t=${tmp[$world]}
  for _ in $(seq 900); do [ -s "$t/ready.json" ] || ! kill -0 "${pid[$world]}" 2>/dev/null && break; sleep 0.1; done
  if [ ! -s "$t/ready.json" ]; then
    echo "e2e.sh: simulator ($world) did not start:" >&2
    cat "$t/sim.log" >&2
    rc=1
    continue
  fi
  ca=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).caPath)' "$t/ready.json")
  cpc_type=$([ "$world" = z13 ] && echo 2964 || echo 3931)
  cat >"$t/inventory.yaml" <<EOF
all:
  hosts:
    sim_$world:
      description: dpm-operator HMC simulator ($world seed)
      ansible_host: ${addr[$world]}
      cpcs:
        CPCZ16A:
          machine_type: '$cpc_type'
          dpm_enabled: true
EOF
  cat >"$t/vault.yaml" <<EOF
hmc_auth:
  sim_$world:
    userid: dpm
    password: dpm-sim-password
    verify: true
    ca_certs: $ca
EOF
  # shellcheck disable=SC2086
  (cd "$src" && TESTINVENTORY="$t/inventory.yaml" TESTVAULT="$t/vault.yaml" TESTHMC="sim_$world" \
    TESTEND2END_LOAD=true "$venv/bin/python" -m pytest -q -p no:cacheprovider -rs \
    --junitxml="$out/e2e-$world.xml" -o junit_family=xunit1 $(for f in ${files[$world]}; do echo "tests/end2end/$f"; done) "$@")
  # pytest exit 5 = nothing collected: a failure here, never a pass
  [ $? -ne 0 ] && rc=1
  if ! kill -0 "${pid[$world]}" 2>/dev/null; then
    echo "e2e.sh: simulator ($world) is gone; its log:" >&2
    cat "$t/sim.log" >&2
    rc=1
  fi
done
for world in current z13; do
  kill "${pid[$world]}" 2>/dev/null
  wait "${pid[$world]}" 2>/dev/null
  rm -rf "${tmp[$world]}"
done
node - "$out" <<'JS'
const fs = require('node:fs');
const dir = process.argv[2];
const per = {};
for (const f of fs.readdirSync(dir).filter((n) => /^e2e-.*\.xml$/.test(n))) {
  const x = fs.readFileSync(`${dir}/${f}`, 'utf8');
  for (const m of x.matchAll(/<testcase [^>]*?file="([^"]+)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const file = m[1].replace(/^tests\/end2end\//, '');
    const r = (per[file] ??= { passed: 0, failed: 0, skipped: 0 });
    const inner = m[3] ?? '';
    // zhmcclient skips a test it cannot log on for: here that is the simulator failing, never a skip.
    if (/<(failure|error)\b/.test(inner) || /<skipped\b[^>]*Cannot log on to HMC/.test(inner)) r.failed++;
    else if (/<skipped\b/.test(inner)) r.skipped++;
    else r.passed++;
  }
}
for (const [f, r] of Object.entries(per).sort())
  console.log(`zhmcclient e2e ${f}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
JS
exit $rc
