#!/usr/bin/env bash
# make pot: export the addon's terms with Odoo's own exporter into
# marketing_automation_ext/i18n/marketing_automation_ext.pot, then merge them into every
# i18n/<lang>.po (translations kept, new terms left empty or fuzzy, gone terms dropped) and
# list what is left to translate. The export runs on a database of its own (I18N_DB), built
# without demo data the first time and upgraded afterwards; I18N_FRESH=1 rebuilds it.
. "$(dirname "$0")/common.sh"

I18N_DB=${I18N_DB:-marketing_i18n}
CONF=$BUILD_DIR/i18n.conf
LOG=$BUILD_DIR/i18n.log

require_odoo
require_postgres
write_config "$CONF" "${I18N_HTTP_PORT:-8369}"

if [ "${I18N_FRESH:-0}" = 1 ] && db_exists "$I18N_DB"; then
    dropdb --if-exists "$I18N_DB"
    rm -rf "$BUILD_DIR/data/filestore/$I18N_DB"
fi
: >"$LOG"
if db_exists "$I18N_DB"; then
    echo "== upgrading $ADDON in '$I18N_DB'"
    odoo_bin -c "$CONF" -d "$I18N_DB" -u "$ADDON" --stop-after-init --no-http --logfile "$LOG" \
        || { tail -40 "$LOG"; die "upgrading $ADDON in $I18N_DB failed (log: $LOG); I18N_FRESH=1 rebuilds it"; }
else
    echo "== installing $ADDON without demo data into '$I18N_DB'"
    odoo_bin -c "$CONF" -d "$I18N_DB" -i "$ADDON" --without-demo=all --stop-after-init --no-http --logfile "$LOG" \
        || { tail -40 "$LOG"; die "installing $ADDON into $I18N_DB failed (log: $LOG)"; }
fi

echo "== exporting terms and merging them into each language"
odoo_bin shell -c "$CONF" -d "$I18N_DB" --no-http --log-level=warn <<'PY'
import importlib.util

# by path: importing the addon's tests package outside a test run makes Odoo log an error
spec = importlib.util.spec_from_file_location("i18n_tools", "marketing_automation_ext/tests/i18n_tools.py")
i18n_tools = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n_tools)
left, report = i18n_tools.refresh(env)
print("\n".join(report))
print(f"{left} translations to write" if left else "every language translates every term")
PY
