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
    # a bridge added since the database was made is installed (with its Odoo app), the rest upgraded
    installed=$(psql -X -d "$DEMO_DB" -tAc "select name from ir_module_module where state = 'installed'")
    missing=$(for m in $ADDON_DIRS; do if ! grep -qx "$m" <<<"$installed"; then echo "$m"; fi; done | paste -sd, -)
    if [ -n "$missing" ]; then
        echo "== installing $missing in existing database '$DEMO_DB'"
        odoo_bin -c "$CONF" -d "$DEMO_DB" -i "$missing" --stop-after-init --no-http --log-level=warn \
            || die "installing $missing in $DEMO_DB failed"
    fi
    echo "== upgrading $ADDONS in existing database '$DEMO_DB'"
    odoo_bin -c "$CONF" -d "$DEMO_DB" -u "$ADDONS" --stop-after-init --no-http --log-level=warn \
        || die "upgrading $ADDONS in $DEMO_DB failed"
else
    echo "== creating '$DEMO_DB' with $ADDONS and demo data (login admin / admin)"
    odoo_bin -c "$CONF" -d "$DEMO_DB" -i "$ADDONS" --stop-after-init --no-http --log-level=warn \
        || die "creating $DEMO_DB failed"
fi
HTTP_INTERFACE=${HTTP_INTERFACE:-127.0.0.1}
echo "== serving Odoo on http://localhost:$HTTP_PORT (listening on $HTTP_INTERFACE; database $DEMO_DB, login admin / admin)"
export HTTP_INTERFACE
exec "$ROOT/tools/serve.sh" "$CONF" "$DEMO_DB"
