#!/usr/bin/env bash
# make multiprocess: a prefork server (4 workers, cron threads) and a second server on one fresh
# database run every cron at once over MP_CONTACTS contacts (50,000 by default) with tracking traffic
# over HTTP; fails on any message or step done twice or lost, or any score unlike a one-process
# recompute (tools/multiprocess_check.py).
. "$(dirname "$0")/common.sh"
MP_CONTACTS=${MP_CONTACTS:-50000}
MP_DB=${MP_DB:-marketing_multiprocess}
MP_PORT=${MP_PORT:-8369}
CONF=$BUILD_DIR/multiprocess.conf
require_odoo
require_postgres
"$ODOO_PYTHON" -c 'import aiosmtpd' 2>/dev/null || bash "$ROOT/tools/ensure_test_deps.sh"
write_config "$CONF" "$MP_PORT"
cat >>"$CONF" <<CONF
smtp_server = 127.0.0.1
smtp_port = ${MP_SMTP_PORT:-2599}
CONF
echo "== multiprocess: database $MP_DB with $ADDON (no demo data), $MP_CONTACTS contacts"
fresh_addon_db "$MP_DB" "$CONF" "$BUILD_DIR/multiprocess-install.log"
cd "$ROOT"
PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" tools/multiprocess_check.py --config "$CONF" --db "$MP_DB" \
    --contacts "$MP_CONTACTS" --port-a "$MP_PORT" --port-b "$((MP_PORT + 1))" \
    --smtp-port "${MP_SMTP_PORT:-2599}" --logdir "$BUILD_DIR"
