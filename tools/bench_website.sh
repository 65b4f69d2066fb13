#!/usr/bin/env bash
# make bench-website: the time-on-page beacon route against Odoo's own tracking pixel, and the
# page-load cost of the beacon script, on one database with the website bridge (created once).
. "$(dirname "$0")/common.sh"
BENCH_WEB_DB=${BENCH_WEB_DB:-marketing_bench_website}
BENCH_WEB_PORT=${BENCH_WEB_PORT:-8270}
CONF=$BUILD_DIR/bench_website.conf

require_odoo
require_postgres
write_config "$CONF" "$BENCH_WEB_PORT"
case ",$ADDONS," in *,marketing_automation_ext_website,*) ;; *) die "the website bridge is not in this tree" ;; esac
if ! db_exists "$BENCH_WEB_DB"; then
    echo "== creating $BENCH_WEB_DB ($ADDONS, no demo data)"
    odoo_bin -c "$CONF" -d "$BENCH_WEB_DB" -i "$ADDONS" --without-demo=all --stop-after-init --no-http --log-level=warn
else
    odoo_bin -c "$CONF" -d "$BENCH_WEB_DB" -u marketing_automation_ext_website --stop-after-init --no-http --log-level=warn
fi
cd "$ROOT"
PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" bench/bench_website_beacon.py --config "$CONF" --db "$BENCH_WEB_DB" \
    --port "$BENCH_WEB_PORT" ${BENCH_WEB_ARGS:-}
