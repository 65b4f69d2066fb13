#!/usr/bin/env bash
# make run: create or upgrade the demo database, then serve Odoo.
. "$(dirname "$0")/common.sh"
DEMO_DB=${DEMO_DB:-marketing_demo}
HTTP_PORT=${HTTP_PORT:-8069}
CONF=$BUILD_DIR/run.conf

require_odoo
require_postgres
write_config "$CONF" "$HTTP_PORT"

if db_exists "$DEMO_DB"; then
    echo "== upgrading $ADDON in existing database '$DEMO_DB'"
    odoo_bin -c "$CONF" -d "$DEMO_DB" -u "$ADDON" --stop-after-init --no-http --log-level=warn \
        || die "upgrading $ADDON in $DEMO_DB failed"
else
    echo "== creating '$DEMO_DB' with $ADDON and demo data (login admin / admin)"
    odoo_bin -c "$CONF" -d "$DEMO_DB" -i "$ADDON" --stop-after-init --no-http --log-level=warn \
        || die "creating $DEMO_DB failed"
fi
echo "== serving Odoo on http://localhost:$HTTP_PORT (database $DEMO_DB, login admin / admin)"
exec env PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" "$ODOO_PATH/odoo-bin" -c "$CONF" -d "$DEMO_DB" \
    --db-filter="^$DEMO_DB\$" --http-interface=0.0.0.0
