#!/usr/bin/env bash
# make concurrency: two cron workers at once, one killed mid-batch (needs make bench's database).
. "$(dirname "$0")/common.sh"
BENCH_CONTACTS=${BENCH_CONTACTS:-100000}
BENCH_DB=${BENCH_DB:-marketing_bench}_${BENCH_CONTACTS}
CONF=$BUILD_DIR/bench.conf
require_odoo
require_postgres
db_exists "$BENCH_DB" || die "no database $BENCH_DB: run 'make bench' (same BENCH_CONTACTS) first"
write_config "$CONF" 8269
cd "$ROOT"
PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" bench/cron_concurrency.py --config "$CONF" --db "$BENCH_DB"
PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" bench/journey_concurrency.py --config "$CONF" --db "$BENCH_DB"
