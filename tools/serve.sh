#!/usr/bin/env bash
# Serve an existing database: tools/serve.sh CONFIG DB [more odoo-bin options].
# `make run` calls it once the demo database is ready; tests/test_serve.py calls it
# on the test database. The HTTP server listens on HTTP_INTERFACE, 127.0.0.1 unless
# set otherwise (the demo database has admin / admin).
. "$(dirname "$0")/common.sh"
[ $# -ge 2 ] || die "usage: tools/serve.sh CONFIG DB [odoo-bin options]"
CONF=$1
DB=$2
shift 2
HTTP_INTERFACE=${HTTP_INTERFACE:-127.0.0.1}
exec env PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" "$ODOO_PATH/odoo-bin" -c "$CONF" -d "$DB" \
    --db-filter="^$DB\$" --http-interface="$HTTP_INTERFACE" "$@"
