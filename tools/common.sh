#!/usr/bin/env bash
# Shared by the make targets: locate Odoo and PostgreSQL. An ODOO_PATH / ODOO_PYTHON given
# is used as it is; otherwise the Odoo 18 at the default place, else the one tools/bootstrap.sh
# sets up (and reuses) in ODOO_CACHE.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ADDON=marketing_automation_ext
# The addon and its bridges to other Odoo apps (marketing_automation_ext_<app>/ at the root,
# auto_install): installed, upgraded, tested and linted together.
ADDONS=$(cd "$ROOT" && for m in "$ADDON" "$ADDON"_*/; do m=${m%/}; if [ -f "$m/__manifest__.py" ]; then echo "$m"; fi; done | paste -sd, -)
ADDON_DIRS=${ADDONS//,/ }
ODOO_EXPLICIT=${ODOO_PATH:+ODOO_PATH}${ODOO_PYTHON:+ ODOO_PYTHON}
ODOO_PATH=${ODOO_PATH:-/opt/odoo}
ODOO_PYTHON=${ODOO_PYTHON:-/opt/odoo-venv/bin/python}
export ODOO_CACHE=${ODOO_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/marketing_automation_ext/odoo-18.0}
export ODOO_BOOTSTRAP=${ODOO_BOOTSTRAP:-auto}
BUILD_DIR=${BUILD_DIR:-$ROOT/.build}
export PGHOST=${PGHOST:-localhost}
export PGPORT=${PGPORT:-5432}
export PGUSER=${PGUSER:-odoo}
export PGPASSWORD=${PGPASSWORD:-odoo}

die() { echo "error: $*" >&2; exit 1; }

odoo_problem() {
    # Prints what is wrong with ODOO_PATH / ODOO_PYTHON, nothing when they run Odoo 18.
    if [ ! -x "$ODOO_PYTHON" ]; then
        echo "no Odoo interpreter at ODOO_PYTHON=$ODOO_PYTHON; set ODOO_PYTHON to the Python that runs Odoo 18 and ODOO_PATH to its source tree (now $ODOO_PATH)."
        return
    fi
    local version
    if ! version=$(cd /tmp && PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" -c 'import odoo.release as r; print(r.serie)' 2>/dev/null); then
        echo "cannot import Odoo from ODOO_PATH=$ODOO_PATH with ODOO_PYTHON=$ODOO_PYTHON; point both variables at an Odoo 18 source tree and its interpreter."
    elif [ "$version" != "18.0" ]; then
        echo "Odoo at ODOO_PATH=$ODOO_PATH is $version, this addon needs 18.0 (set ODOO_PATH / ODOO_PYTHON)."
    elif [ ! -f "$ODOO_PATH/odoo-bin" ]; then
        echo "no odoo-bin in ODOO_PATH=$ODOO_PATH; set ODOO_PATH to the Odoo 18 source tree."
    fi
}

use_bootstrapped_odoo() {
    # $1: why the default place is not used. tools/bootstrap.sh returns at once when done before.
    ODOO_PATH=$ODOO_CACHE
    ODOO_PYTHON=$ODOO_CACHE-venv/bin/python
    BOOTSTRAP_REASON=$1 "$ROOT/tools/bootstrap.sh" || exit 1
}

require_odoo() {
    # Never bootstrap over an explicit ODOO_PATH / ODOO_PYTHON: a broken one fails as it is.
    if [ -z "$ODOO_EXPLICIT" ]; then
        case "$ODOO_BOOTSTRAP" in
            auto) [ -z "$(odoo_problem)" ] || use_bootstrapped_odoo "no Odoo 18 at $ODOO_PATH with $ODOO_PYTHON (ODOO_PATH unset)" ;;
            always) use_bootstrapped_odoo "ODOO_BOOTSTRAP=always" ;;
            never) ;;
            *) die "ODOO_BOOTSTRAP=$ODOO_BOOTSTRAP: set it to auto, always or never." ;;
        esac
    fi
    local problem
    problem=$(odoo_problem)
    [ "$ODOO_PATH" != "$ODOO_CACHE" ] || problem=${problem:+$problem Or delete $ODOO_CACHE-venv to set it up again.}
    [ -z "$problem" ] || die "$problem"
    export ODOO_PATH ODOO_PYTHON  # for the scripts and tests started from here
}

pg_answers() { pg_isready -q -h "$PGHOST" -p "$PGPORT" -t 3 >/dev/null 2>&1; }

start_local_cluster() {
    # Only a local Debian cluster on the requested port is ours to start.
    case "$PGHOST" in localhost|127.0.0.1|::1|/*) ;; *) return 1 ;; esac
    command -v pg_lsclusters >/dev/null 2>&1 || return 1
    local line ver name
    line=$(pg_lsclusters --no-header 2>/dev/null | awk -v port="$PGPORT" '$3 == port {print $1, $2; exit}')
    [ -n "$line" ] || return 1
    read -r ver name <<<"$line"
    echo "PostgreSQL is not answering on $PGHOST:$PGPORT; starting local cluster $ver/$name" >&2
    if [ "$(id -u)" = 0 ]; then
        pg_ctlcluster "$ver" "$name" start
    else
        sudo -n pg_ctlcluster "$ver" "$name" start 2>/dev/null || return 1
    fi
    for _ in $(seq 1 30); do pg_answers && return 0; sleep 1; done
    return 1
}

can_login() { psql -X -q -d postgres -tAc 'select 1' >/dev/null 2>&1; }

create_role() {
    # Create (or repair) the role through the local postgres superuser when we are root.
    [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 || return 1
    local exists
    exists=$(su postgres -c "env -u PGUSER -u PGHOST -u PGPASSWORD -u PGDATABASE psql -X -q -p $PGPORT -tAc \"select 1 from pg_roles where rolname = '$PGUSER'\"" 2>/dev/null) || return 1
    if [ "$exists" = 1 ]; then
        printf 'ALTER ROLE "%s" LOGIN SUPERUSER PASSWORD %s;\n' "$PGUSER" "'$PGPASSWORD'"
    else
        printf 'CREATE ROLE "%s" LOGIN SUPERUSER PASSWORD %s;\n' "$PGUSER" "'$PGPASSWORD'"
    fi | su postgres -c "env -u PGUSER -u PGHOST -u PGPASSWORD -u PGDATABASE psql -X -q -p $PGPORT" >/dev/null
}

install_local_postgres() {
    # Debian's PostgreSQL, when none is installed here, the server is local and we are root.
    case "$PGHOST" in localhost|127.0.0.1|::1|/*) ;; *) return 1 ;; esac
    ! command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
    echo "== no PostgreSQL server here: installing Debian's postgresql (apt-get)" >&2
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql) >/dev/null \
        || die "could not install Debian's postgresql with apt-get; install PostgreSQL >= 13 or set PGHOST/PGPORT/PGUSER/PGPASSWORD."
}

require_postgres() {
    if ! command -v psql >/dev/null 2>&1 || ! pg_answers; then install_local_postgres || true; fi
    command -v psql >/dev/null 2>&1 || die "psql not found: install the PostgreSQL client (>= 13) or put it on PATH."
    if ! pg_answers; then
        start_local_cluster || die "PostgreSQL does not answer at PGHOST=$PGHOST PGPORT=$PGPORT and no local cluster could be started; start it or set PGHOST/PGPORT/PGUSER/PGPASSWORD."
    fi
    if ! can_login; then
        create_role || true
        can_login || die "PostgreSQL at $PGHOST:$PGPORT refuses role PGUSER=$PGUSER; set PGUSER/PGPASSWORD to a role that may create databases."
    fi
}

db_exists() { [ "$(psql -X -d postgres -tAc "select 1 from pg_database where datname='$1'")" = 1 ]; }

write_config() {
    # $1 config path, $2 http port
    mkdir -p "$BUILD_DIR/data"
    cat >"$1" <<CONF
[options]
addons_path = $ODOO_PATH/addons,$ODOO_PATH/odoo/addons,$ROOT
data_dir = $BUILD_DIR/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $PGPASSWORD
http_port = $2
http_interface = 127.0.0.1
admin_passwd = admin
list_db = False
max_cron_threads = 1
CONF
}

fresh_addon_db() {
    # $1 database, $2 config, $3 install log: a new database with the main addon, no demo data
    dropdb --if-exists --force "$1" >/dev/null
    odoo_bin -c "$2" -d "$1" -i "$ADDON" --without-demo=all --stop-after-init --log-level=warn >"$3" 2>&1 \
        || die "installing $ADDON into $1 failed: see $3"
}

odoo_bin() { (cd "$ROOT" && PYTHONPATH="$ODOO_PATH" "$ODOO_PYTHON" "$ODOO_PATH/odoo-bin" "$@"); }
