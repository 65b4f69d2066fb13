#!/usr/bin/env bash
# Upgrade, uninstall and reinstall the addon (its bridges go with it) on an existing database; any
# warning or error from the addon in the log fails the run.
. "$(dirname "$0")/common.sh"
CONF=$1
DB=$2
LOG=$BUILD_DIR/lifecycle.log

: >"$LOG"
odoo_bin -c "$CONF" -d "$DB" -u "$ADDONS" --stop-after-init --no-http --logfile "$LOG" \
    || die "upgrading $ADDONS failed (log: $LOG)"
"$ODOO_PYTHON" "$ROOT/tools/check_log.py" "$LOG" "upgrade"

: >"$LOG"
odoo_bin shell -c "$CONF" -d "$DB" --no-http --logfile "$LOG" <<PY || die "uninstalling $ADDON failed (log: $LOG)"
module = env['ir.module.module'].search([('name', '=', '$ADDON')])
module.button_immediate_uninstall()
env.cr.commit()
assert 'marketing.event' not in env.registry or not env['ir.model'].search([('model', '=', 'marketing.event')]), 'model left behind'
env.cr.execute("select count(*) from information_schema.columns where table_name = 'res_partner' and column_name like 'marketing\\\\_%'")
left = env.cr.fetchone()[0]
assert not left, '%s marketing_ columns left on res_partner' % left
env.cr.execute("select indexname from pg_indexes where tablename in ('mailing_trace', 'res_partner', 'crm_lead') and indexname like '%marketing%'")
indexes = [row[0] for row in env.cr.fetchall()]
assert not indexes, 'indexes left on Odoo tables: %s' % indexes
# a trigger left on mailing_trace would make every status update fail once the queue table is gone
env.cr.execute("select tgname from pg_trigger where not tgisinternal and tgname like 'marketing%'")
triggers = [row[0] for row in env.cr.fetchall()]
assert not triggers, 'triggers left: %s' % triggers
env.cr.execute("select proname from pg_proc where proname like 'marketing%'")
functions = [row[0] for row in env.cr.fetchall()]
assert not functions, 'functions left: %s' % functions
PY
"$ODOO_PYTHON" "$ROOT/tools/check_log.py" "$LOG" "uninstall"

: >"$LOG"
odoo_bin -c "$CONF" -d "$DB" -i "$ADDONS" --stop-after-init --no-http --logfile "$LOG" \
    || die "reinstalling $ADDONS failed (log: $LOG)"
"$ODOO_PYTHON" "$ROOT/tools/check_log.py" "$LOG" "reinstall"
# the defaulted columns on res_partner and crm_lead came from the pre-init hook: their default for
# the rows already there sits in the catalogue (atthasmissing), not in an UPDATE of every row, and
# no default is left in the schema (hooks.PRESET_COLUMNS)
preset=$(psql -X -d "$DB" -tAc "select string_agg(name, ' ' order by name) from (
    select attrelid::regclass || '.' || attname as name from pg_attribute
     where atthasmissing and not atthasdef and attname like 'marketing\\_%'
       and attrelid in ('res_partner'::regclass, 'crm_lead'::regclass)) preset")
expected="crm_lead.marketing_grade crm_lead.marketing_score res_partner.marketing_best_weekday"
expected="$expected res_partner.marketing_grade res_partner.marketing_score"
[ "$preset" = "$expected" ] || die "reinstall: expected the pre-init hook's columns ($expected), found: $preset"
echo "lifecycle ok: upgrade, uninstall and reinstall logged no warning or error"
