#!/usr/bin/env bash
# make lint: ruff, then pylint-odoo's Odoo checks.
. "$(dirname "$0")/common.sh"
require_odoo
"$ODOO_PYTHON" -c 'import ruff, pylint_odoo' 2>/dev/null \
    || "$ODOO_PYTHON" -m pip install -q ruff "pylint-odoo>=9" || die "could not install ruff / pylint-odoo into $ODOO_PYTHON"
cd "$ROOT"
"$ODOO_PYTHON" -m ruff check .
"$ODOO_PYTHON" -m ruff format --check .
PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" -m pylint --rcfile=.pylintrc $ADDON_DIRS
echo "lint clean"
