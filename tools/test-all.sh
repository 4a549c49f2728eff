#!/usr/bin/env bash
# The whole test suite: jest (unit + integration on a real kube-apiserver and the HMC simulator), pytest
# (the real zhmcclient driving the HMC simulator, plus zhmcclient's own end-to-end tests: test/zhmcclient/e2e.sh)
# and the image tier (tools/test-image.sh: the container image built with podman, run by testcontainers).
# Ends with the plain line "N passed, N failed".
# Extra arguments go to jest (e.g. a path filter), and then pytest and the image tier are skipped.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash tools/bootstrap.sh || { echo "bootstrap failed"; echo "0 passed, 1 failed"; exit 1; }
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js \
  --json --outputFile="$out/jest.json" "$@"
jest_rc=$?

py_rc=0
e2e_rc=0
if [ $# -eq 0 ] && [ -d test/zhmcclient ] && [ -f tools/python/requirements-zhmc.txt ]; then
  venv=$(bash tools/python/setup.sh tools/python/requirements-zhmc.txt)
  "$venv/bin/python" -m pytest test/zhmcclient -q -p no:cacheprovider --junitxml="$out/pytest.xml"
  py_rc=$?
  # zhmcclient's own end-to-end tests (its sdist's tests/end2end) against the simulator's seeds.
  bash test/zhmcclient/e2e.sh "$out/e2e"
  e2e_rc=$?
fi

img_rc=0
if [ $# -eq 0 ]; then
  bash tools/test-image.sh --json --outputFile="$out/image.json"
  img_rc=$?
fi

node - "$out" "$jest_rc" "$py_rc" "$e2e_rc" "$img_rc" <<'JS'
const fs = require('node:fs');
const [dir, jestRc, pyRc, e2eRc, imgRc] = process.argv.slice(2).map((a, i) => (i ? +a : a));
let passed = 0, failed = 0, skipped = 0;
/** Adds a jest JSON report's counts; returns them, or undefined when there is no report. */
function jestCounts(file) {
  let j;
  try { j = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return undefined; }
  // A suite that fails to load has no failed tests but must count.
  const f = j.numFailedTests + j.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length;
  passed += j.numPassedTests; failed += f; skipped += j.numPendingTests + j.numTodoTests;
  return { p: j.numPassedTests, f };
}
if (!jestCounts(`${dir}/jest.json`)) { failed += 1; console.log('jest produced no report'); }
if (fs.existsSync(`${dir}/pytest.xml`)) {
  const x = fs.readFileSync(`${dir}/pytest.xml`, 'utf8');
  const m = x.match(/<testsuite [^>]*>/)[0];
  const n = (k) => +(m.match(new RegExp(`${k}="(\\d+)"`)) || [0, 0])[1];
  const pf = n('failures') + n('errors');
  passed += n('tests') - pf - n('skipped'); failed += pf; skipped += n('skipped');
  console.log(`pytest (zhmcclient conformance): ${n('tests') - pf - n('skipped')} passed, ${pf} failed`);
} else if (pyRc !== 0) { failed += 1; console.log('pytest produced no report'); }
// zhmcclient e2e: one JUnit file per simulator seed; exit 5 (nothing collected) shows as e2eRc != 0.
const e2eFiles = fs.existsSync(`${dir}/e2e`) ? fs.readdirSync(`${dir}/e2e`).filter((f) => f.endsWith('.xml')) : [];
let e2e = { tests: 0, failed: 0, skipped: 0 };
for (const f of e2eFiles) {
  const x = fs.readFileSync(`${dir}/e2e/${f}`, 'utf8');
  const m = x.match(/<testsuite [^>]*>/);
  if (!m) continue;
  const n = (k) => +(m[0].match(new RegExp(`${k}="(\\d+)"`)) || [0, 0])[1];
  // A test zhmcclient skips because it cannot log on is the simulator failing: counted as failed.
  const noLogon = (x.match(/<skipped\b[^>]*Cannot log on to HMC/g) || []).length;
  e2e.tests += n('tests'); e2e.failed += n('failures') + n('errors') + noLogon; e2e.skipped += n('skipped') - noLogon;
}
if (e2eFiles.length > 0 || e2eRc !== 0) {
  const ok = e2e.tests - e2e.failed - e2e.skipped;
  passed += ok; failed += e2e.failed; skipped += e2e.skipped;
  console.log(`zhmcclient e2e (its own tests/end2end): ${ok} passed, ${e2e.failed} failed, ${e2e.skipped} skipped`);
}
const img = jestCounts(`${dir}/image.json`);
if (img) console.log(`image tier (podman + testcontainers): ${img.p} passed, ${img.f} failed`);
else if (imgRc !== 0) { failed += 1; console.log('image tier produced no report (see above: image build?)'); }
if (failed === 0 && (jestRc !== 0 || pyRc !== 0 || e2eRc !== 0 || imgRc !== 0)) failed += 1; // a runner failed without a counted test
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
JS
