#!/usr/bin/env bash
# make compat: Odoo's own tests of the modules the addon extends, run with the addon installed, to
# prove it breaks none of them: crm, mass_mailing, mass_mailing_sms and sms on the database `make test`
# built; website_crm on a database of its own (COMPAT_WEBSITE_DB) with website_crm installed too.
# mass_mailing_crm (installed with the addon, auto_install) ships no tests in Odoo 18.
. "$(dirname "$0")/common.sh"
TEST_DB=${TEST_DB:-marketing_test}
COMPAT_WEBSITE_DB=${COMPAT_WEBSITE_DB:-${TEST_DB}_website}
CONF=$BUILD_DIR/test.conf
LOG=$BUILD_DIR/compat-install.log
require_odoo
require_postgres
db_exists "$TEST_DB" || die "no database $TEST_DB: run 'make test' first"
write_config "$CONF" "${TEST_HTTP_PORT:-8169}"
# Known failures, environment only: these five fail the same way on a database without the addon
# here (phone numbers formatted by the installed phonenumbers release; initial values that depend on
# demo data other modules installed).
known="test_crm_lead_partner_sync_email_phone or test_crm_lead_update_contact or test_phone_mobile_update"
known="$known or test_assert_initial_values"
# With the event bridge, Odoo's event_crm is installed: its crm.lead.registration_ids is restricted to
# the Events group, and crm's own form test then fails for user_sales_manager when the whole crm suite
# runs (it passes alone). Plain Odoo with crm, event and the same apps fails it the same way (checked
# on a database without the addon: 'You do not have enough rights to access ... registration_ids').
known="$known or test_form_name_onchange"
cd "$ROOT"
run_tests() {
    # $1 database, then the test folders
    local db=$1
    shift
    PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" -m pytest -p no:cacheprovider -q \
        --odoo-config="$CONF" --odoo-database="$db" --odoo-http -k "not ($known)" "$@"
}
start=$SECONDS
echo "== crm, mass_mailing, mass_mailing_sms, sms on $TEST_DB"
run_tests "$TEST_DB" "$ODOO_PATH/addons/crm/tests" "$ODOO_PATH/addons/mass_mailing/tests" \
    "$ODOO_PATH/addons/mass_mailing_sms/tests" "$ODOO_PATH/addons/sms/tests"
echo "== website_crm on $COMPAT_WEBSITE_DB (the addon, its bridges and website_crm installed)"
if db_exists "$COMPAT_WEBSITE_DB"; then dropdb --if-exists "$COMPAT_WEBSITE_DB"; fi
rm -rf "$BUILD_DIR/data/filestore/$COMPAT_WEBSITE_DB"
: >"$LOG"
odoo_bin -c "$CONF" -d "$COMPAT_WEBSITE_DB" -i "$ADDONS,website_crm" --stop-after-init --no-http --logfile "$LOG" \
    || { tail -30 "$LOG"; die "installing website_crm with the addon failed (log: $LOG)"; }
run_tests "$COMPAT_WEBSITE_DB" "$ODOO_PATH/addons/website_crm/tests"
dropdb --if-exists "$COMPAT_WEBSITE_DB"
echo "compat ok in $((SECONDS - start)) s"
