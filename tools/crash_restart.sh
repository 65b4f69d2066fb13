#!/usr/bin/env bash
# make crash-restart: per cron (touchpoint ingestion and scoring, journeys, segment refresh, best time
# and channel, nightly rescore), a real worker killed with SIGKILL inside a batch, then a fresh one: every unit of work
# done once (tests_slow/test_crash_restart.py, on the database `make test` built).
. "$(dirname "$0")/common.sh"
TEST_DB=${TEST_DB:-marketing_test}
CONF=$BUILD_DIR/test.conf
require_odoo
require_postgres
db_exists "$TEST_DB" || die "no database $TEST_DB: run 'make test' first"
write_config "$CONF" "${TEST_HTTP_PORT:-8169}"
cd "$ROOT"
PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" -m pytest -p no:cacheprovider -q \
    --odoo-config="$CONF" --odoo-database="$TEST_DB" --odoo-log-level=warn tests_slow/test_crash_restart.py
