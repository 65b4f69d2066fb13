#!/usr/bin/env bash
# make test: a fresh database with the addon and its demo data, the module
# lifecycle (upgrade, uninstall, reinstall) checked, then every test via pytest-odoo.
. "$(dirname "$0")/common.sh"

TEST_DB=${TEST_DB:-marketing_test}
TEST_HTTP_PORT=${TEST_HTTP_PORT:-8169}
CONF=$BUILD_DIR/test.conf
export BUILD_DIR TEST_DB  # tests/ plain tests start Odoo on this database and config
LOG=$BUILD_DIR/test-install.log

require_odoo
require_postgres
"$ROOT/tools/ensure_test_deps.sh"
write_config "$CONF" "$TEST_HTTP_PORT"

if db_exists "$TEST_DB"; then dropdb --if-exists "$TEST_DB"; fi
rm -rf "$BUILD_DIR/data/filestore/$TEST_DB"

echo "== installing $ADDONS with demo data into a fresh database '$TEST_DB'"
: >"$LOG"
odoo_bin -c "$CONF" -d "$TEST_DB" -i "$ADDONS" --stop-after-init --no-http --logfile "$LOG" \
    || { tail -40 "$LOG"; die "installing $ADDONS failed (log: $LOG)"; }
"$ODOO_PYTHON" "$ROOT/tools/check_log.py" "$LOG" "install"

echo "== lifecycle: upgrade, uninstall, reinstall"
"$ROOT/tools/lifecycle.sh" "$CONF" "$TEST_DB"

echo "== pytest"
# Odoo's warnings and errors of the test run (HTTP and browser threads included) also go to a
# file (conftest.py) that the last plain test, tests/test_zz_run_log.py, checks: an error
# logged anywhere fails the run. pytest-odoo's default log level (critical) would hide them.
MARKETING_TEST_LOG=$BUILD_DIR/test-pytest.log
: >"$MARKETING_TEST_LOG"
export MARKETING_TEST_LOG
cd "$ROOT"
PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" -m pytest -p no:cacheprovider \
    --odoo-config="$CONF" --odoo-database="$TEST_DB" --odoo-http --odoo-log-level=warn \
    ${PYTEST_ARGS:-} $(for m in $ADDON_DIRS; do if [ -d "$m/tests" ]; then echo "$m/tests"; fi; done) tests
