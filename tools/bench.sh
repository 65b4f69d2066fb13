#!/usr/bin/env bash
# make bench: the addon against Odoo's own way of doing the same job, in the same run.
# Two databases: one with the addon, one with only the modules it extends (the baseline).
. "$(dirname "$0")/common.sh"
BENCH_DB=${BENCH_DB:-marketing_bench}
BASE_DB=${BENCH_BASE_DB:-marketing_bench_base}
BENCH_CONTACTS=${BENCH_CONTACTS:-100000}
BENCH_EVENTS_PER_CONTACT=${BENCH_EVENTS_PER_CONTACT:-10}
BENCH_OPENS=${BENCH_OPENS:-300}
# the journey benchmark takes the first 10,000 contacts by default: at 100,000 it alone takes about
# 40 minutes (journey and two Odoo mailings); BENCH_JOURNEY_LIMIT=0 runs it on every contact
BENCH_JOURNEY_LIMIT=${BENCH_JOURNEY_LIMIT-10000}
started=$SECONDS
step() { echo "== [$(date +%T), $((SECONDS - started)) s] $*"; }
# a benchmark that misses a target exits 1; the others still run, and the run fails at the end
missed=()
bench() {
    local name=$1
    shift
    PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" "$@" || missed+=("$name")
}
CONF=$BUILD_DIR/bench.conf

require_odoo
require_postgres
write_config "$CONF" 8269
# a bench database is only reused for the same size
suffix="_${BENCH_CONTACTS}"
BENCH_DB="$BENCH_DB$suffix"
BASE_DB="$BASE_DB$suffix"

step "databases"
if db_exists "$BENCH_DB"; then
    odoo_bin -c "$CONF" -d "$BENCH_DB" -u "$ADDON" --stop-after-init --no-http --log-level=warn
else
    echo "== creating $BENCH_DB (addon, no demo data)"
    odoo_bin -c "$CONF" -d "$BENCH_DB" -i "$ADDON" --without-demo=all --stop-after-init --no-http --log-level=warn
fi
if ! db_exists "$BASE_DB"; then
    echo "== creating $BASE_DB (crm, mass_mailing, mass_mailing_sms only: the Odoo baseline)"
    odoo_bin -c "$CONF" -d "$BASE_DB" -i crm,mass_mailing,mass_mailing_sms --without-demo=all --stop-after-init \
        --no-http --log-level=warn
fi
cd "$ROOT"
step "scoring"
bench scoring bench/bench_scoring.py --config "$CONF" --db "$BENCH_DB" --base-db "$BASE_DB" \
    --contacts "$BENCH_CONTACTS" --events-per-contact "$BENCH_EVENTS_PER_CONTACT" --opens "$BENCH_OPENS"
step "segments"
bench segments bench/bench_segments.py --config "$CONF" --db "$BENCH_DB"
step "best send time and channel"
bench recommendations bench/bench_recommendations.py --config "$CONF" --db "$BENCH_DB"
step "journeys"
bench workflow bench/bench_workflow.py --config "$CONF" --db "$BENCH_DB" \
    --limit "${BENCH_JOURNEY_LIMIT:-0}"
# the frequency cap over 10M mailing traces, on a copy of the bench database (made once)
CAP_DB="${BENCH_CAP_DB:-marketing_bench_cap}$suffix"
if db_exists "$CAP_DB"; then
    odoo_bin -c "$CONF" -d "$CAP_DB" -u "$ADDON" --stop-after-init --no-http --log-level=warn
else
    echo "== creating $CAP_DB (a copy of $BENCH_DB)"
    createdb -T "$BENCH_DB" "$CAP_DB"
fi
step "frequency cap"
bench frequency_cap bench/bench_frequency_cap.py --config "$CONF" --db "$CAP_DB" \
    --per-contact "$(( ${BENCH_CAP_TRACES:-10000000} / BENCH_CONTACTS ))"

# the marketing dashboard's figures in one call against Odoo's _read_group of the same (adds journeys once)
step "dashboard"
bench dashboard bench/bench_dashboard.py --config "$CONF" --db "$BENCH_DB" \
    --contacts "$BENCH_CONTACTS" --events-per-contact "$BENCH_EVENTS_PER_CONTACT"
step "done: make bench took $((SECONDS - started)) s"
# issue 13: the whole make bench, data generation included, within 20 minutes
[ $((SECONDS - started)) -le 1200 ] || missed+=("the whole run: over 20 minutes")
[ ${#missed[@]} -eq 0 ] || die "make bench missed its targets in: ${missed[*]}"
