#!/usr/bin/env bash
# make bootstrap-check: prove that a machine with no Odoo gets one and passes `make test`.
# Bootstraps from the local repository ODOO_REPO (at ODOO_REF, 18.0 by default) into a new
# temporary folder, with a pip cache of its own (so every package is downloaded and built
# again), runs the bootstrap a second time to show it is reused, then `make test` on a separate
# database and port. Slow (a cold bootstrap, then the whole suite): not part of .ci/run.
. "$(dirname "$0")/common.sh"
[ -n "${ODOO_REPO:-}" ] || die "make bootstrap-check needs ODOO_REPO, a local clone of Odoo's repository (and ODOO_REF, its 18.0 branch or a commit; default 18.0)."
[ -d "$ODOO_REPO" ] || die "ODOO_REPO=$ODOO_REPO is not a local repository folder."

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bootstrap-check.XXXXXX")
unset ODOO_PATH ODOO_PYTHON
export ODOO_BOOTSTRAP=always BOOTSTRAP_REASON="make bootstrap-check"  # even where an Odoo sits at the default place
export ODOO_CACHE=$WORK/odoo-18.0 BUILD_DIR=$WORK/build PIP_CACHE_DIR=$WORK/pip-cache
export TEST_DB=${BOOTSTRAP_CHECK_DB:-marketing_bootstrap_check} TEST_HTTP_PORT=${BOOTSTRAP_CHECK_PORT:-8269}
cleanup() {
    if db_exists "$TEST_DB" 2>/dev/null; then dropdb --if-exists "$TEST_DB" || true; fi
    if [ -n "${BOOTSTRAP_CHECK_KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

echo "== bootstrap-check in $WORK: Odoo from $ODOO_REPO at ${ODOO_REF:-18.0}, database $TEST_DB, port $TEST_HTTP_PORT"
start=$SECONDS
"$ROOT/tools/bootstrap.sh" || die "bootstrap-check: the first bootstrap failed"
cold=$((SECONDS - start))
start=$SECONDS
"$ROOT/tools/bootstrap.sh" || die "bootstrap-check: the second bootstrap failed"
warm=$((SECONDS - start))
echo "== bootstrap-check: make test on the bootstrapped Odoo"
start=$SECONDS
status=0
make -C "$ROOT" --no-print-directory test 2>&1 | tee "$WORK/make-test.log" || status=$?
tested=$((SECONDS - start))
passed=$(grep -E '[0-9]+ passed' "$WORK/make-test.log" | tail -1 | sed -E 's/^=+ //; s/ =+$//')
echo "== bootstrap-check: cold bootstrap ${cold} s, second run ${warm} s (reused), make test ${tested} s: ${passed:-no pytest summary}"
if [ "$status" = 0 ]; then echo "bootstrap-check: PASSED"; else echo "bootstrap-check: FAILED (make test exit $status)"; fi
exit "$status"
