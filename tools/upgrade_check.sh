#!/usr/bin/env bash
# make upgrade-check: a database built by an earlier version of the addon (UPGRADE_FROM, a commit of
# this repository: by default the last reviewed state before issues 14 and 15 changed the schema),
# filled with data in every model (no demo data: an upgrade may add demo records), upgraded to the current code: every row and value is kept.
. "$(dirname "$0")/common.sh"
UPGRADE_FROM=${UPGRADE_FROM:-215c44e}
UPGRADE_DB=${UPGRADE_DB:-${TEST_DB:-marketing_test}_upgrade}
OLD=$BUILD_DIR/upgrade-from
CONF_OLD=$BUILD_DIR/upgrade-old.conf
CONF=$BUILD_DIR/upgrade.conf
LOG=$BUILD_DIR/upgrade.log
require_odoo
require_postgres
git -C "$ROOT" rev-parse -q --verify "$UPGRADE_FROM^{commit}" >/dev/null \
    || die "UPGRADE_FROM=$UPGRADE_FROM is not a commit of this repository (a shallow clone? fetch more history)"

rm -rf "$OLD" && mkdir -p "$OLD"
git -C "$ROOT" archive "$UPGRADE_FROM" "$ADDON" | tar -x -C "$OLD"
write_config "$CONF" "${TEST_HTTP_PORT:-8169}"
sed "s#^addons_path = \(.*\),$ROOT\$#addons_path = \1,$OLD#" "$CONF" >"$CONF_OLD"
grep -q "$OLD" "$CONF_OLD" || die "could not point the addons path at $OLD"

if db_exists "$UPGRADE_DB"; then dropdb --if-exists "$UPGRADE_DB"; fi
rm -rf "$BUILD_DIR/data/filestore/$UPGRADE_DB"
echo "== $ADDON at $(git -C "$ROOT" log -1 --format='%h (%ad)' --date=short "$UPGRADE_FROM") into '$UPGRADE_DB', with data in every model"
: >"$LOG"
odoo_bin -c "$CONF_OLD" -d "$UPGRADE_DB" -i "$ADDON" --without-demo=all --stop-after-init --no-http --logfile "$LOG" \
    || { tail -30 "$LOG"; die "installing the earlier version failed (log: $LOG)"; }
odoo_bin shell -c "$CONF_OLD" -d "$UPGRADE_DB" --no-http --logfile "$LOG" <"$ROOT/tools/upgrade_fill.py" \
    || { tail -30 "$LOG"; die "filling the earlier version failed (log: $LOG)"; }
"$ODOO_PYTHON" "$ROOT/tools/upgrade_snapshot.py" snapshot "$UPGRADE_DB" "$BUILD_DIR/upgrade-before.json"

echo "== upgrading to the current code ($ADDONS)"
: >"$LOG"
# bridges that came later are installed; -i on the addon itself would reload its data as a first install
bridges=$(echo "$ADDON_DIRS" | tr ' ' '\n' | { grep -vx "$ADDON" || true; } | paste -sd, -)
odoo_bin -c "$CONF" -d "$UPGRADE_DB" -u "$ADDON" ${bridges:+-i "$bridges"} --stop-after-init --no-http --logfile "$LOG" \
    || { tail -30 "$LOG"; die "upgrading failed (log: $LOG)"; }
"$ODOO_PYTHON" "$ROOT/tools/check_log.py" "$LOG" "upgrade from $UPGRADE_FROM"
"$ODOO_PYTHON" "$ROOT/tools/upgrade_snapshot.py" compare "$UPGRADE_DB" "$BUILD_DIR/upgrade-before.json"

echo "== the upgraded database runs: its crons pass over the old data"
odoo_bin shell -c "$CONF" -d "$UPGRADE_DB" --no-http --logfile "$LOG" <<'PY' || die "the crons failed on the upgraded data (log: $LOG)"
env["marketing.event"]._score_pending_now()
env["marketing.segment"]._cron_refresh()
env["marketing.workflow"]._run_now()
env["marketing.recommendation"]._cron_recompute()
env.cr.commit()
# touchpoints recorded before the upgrade and not yet looked at still trigger their journey
journey = env["marketing.workflow"].search([("name", "=", "Upgrade on touchpoint")])
enrolled = len(journey.participant_ids)
assert enrolled == 3, "the touchpoint-triggered journey enrolled %s of the 3 waiting contacts" % enrolled
PY
"$ODOO_PYTHON" "$ROOT/tools/check_log.py" "$LOG" "crons after the upgrade"
dropdb --if-exists "$UPGRADE_DB"
echo "upgrade check ok: from $UPGRADE_FROM to the current code"
