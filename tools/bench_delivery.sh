#!/usr/bin/env bash
# make bench-delivery: a journey and Odoo's mass mailing drain BENCH_DELIVERY_CONTACTS (10,000) messages
# each through a slow, failing SMTP server (bench/bench_delivery_load.py), on a fresh database.
. "$(dirname "$0")/common.sh"
CONTACTS=${BENCH_DELIVERY_CONTACTS:-10000}
DB=${BENCH_DELIVERY_DB:-marketing_bench_delivery}
PORT=${BENCH_DELIVERY_PORT:-8389}
SMTP_PORT=${BENCH_DELIVERY_SMTP_PORT:-2598}
CONF=$BUILD_DIR/bench-delivery.conf
require_odoo
require_postgres
"$ODOO_PYTHON" -c 'import aiosmtpd' 2>/dev/null || bash "$ROOT/tools/ensure_test_deps.sh"
write_config "$CONF" "$PORT"
printf 'smtp_server = 127.0.0.1\nsmtp_port = %s\n' "$SMTP_PORT" >>"$CONF"
echo "== bench-delivery: database $DB with $ADDON (no demo data), $CONTACTS contacts per run"
fresh_addon_db "$DB" "$CONF" "$BUILD_DIR/bench-delivery-install.log"
cd "$ROOT"
PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" bench/bench_delivery_load.py --config "$CONF" --db "$DB" \
    --contacts "$CONTACTS" --port "$PORT" --smtp-port "$SMTP_PORT" --logdir "$BUILD_DIR"
