#!/usr/bin/env bash
# README command two: install whatever is missing, build, lint, and run every test.
# Unit tests use fakes; the e2e project starts its own etcd (or uses $TSKUBE_TEST_ETCD).
cd "$(dirname "$0")/../.."
source tools/scripts/lib.sh

ensure_apt_packages
ensure_node_modules

log "build"
npx nx run-many -t build --outputStyle=static
log "lint + typecheck"
npx nx run-many -t lint typecheck --outputStyle=static
node tools/scripts/check-tags.mjs

log "tests"
report=$(mktemp -t tskube-vitest-XXXXXX.json)
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One closing line in the plain form CI reads: "N passed, N failed".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
exit $status
