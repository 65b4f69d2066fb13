#!/usr/bin/env bash
# Set up Odoo 18 for the make targets when none is given or found (tools/common.sh's
# require_odoo calls this): a shallow clone of ODOO_REPO at ODOO_REF into ODOO_CACHE, a
# virtualenv beside it (ODOO_CACHE-venv) with Odoo's requirements and the test tools.
# A finished set-up is marked in the virtualenv and reused as it is by every later run.
# Each failure stops with one line naming what to install or set; the details are in the log.
. "$(dirname "$0")/common.sh"

ODOO_REPO=${ODOO_REPO:-https://github.com/odoo/odoo}
ODOO_REF=${ODOO_REF:-18.0}
SRC=$ODOO_CACHE
VENV=$ODOO_CACHE-venv
MARKER=$VENV/.marketing_automation_ext-bootstrap
LOG=$ODOO_CACHE-bootstrap.log
NEED_GB=${ODOO_BOOTSTRAP_NEED_GB:-3}  # a checkout (~1.2 GB), its virtualenv and pip's build room
STARTED=$SECONDS

if [ -f "$MARKER" ] && [ -f "$SRC/odoo-bin" ] && [ -x "$VENV/bin/python" ]; then
    echo "== Odoo 18 from $SRC ($(head -1 "$MARKER"))"
    exit 0
fi

step() { echo "== bootstrap [$((SECONDS - STARTED)) s] $*"; }
fail() { die "$* (log: $LOG)"; }

mkdir -p "$(dirname "$SRC")" 2>/dev/null || die "cannot create $(dirname "$SRC"); set ODOO_CACHE to a writable folder."
: >"$LOG" || die "cannot write $LOG; set ODOO_CACHE to a writable folder."
step "${BOOTSTRAP_REASON:-no Odoo given}: setting up Odoo 18 in $SRC (details in $LOG)"

pick_python() {
    # BOOTSTRAP_PYTHON when set, else the first of python3, python3.12, python3.11, python3.10 that is 3.10-3.12.
    local candidate
    for candidate in ${BOOTSTRAP_PYTHON:-python3 python3.12 python3.11 python3.10}; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
}

free_gb() {
    # Free space, in GB, of the file system that will hold $1.
    local dir=$1
    until [ -d "$dir" ]; do dir=$(dirname "$dir"); done
    df -Pk "$dir" | awk 'NR == 2 {print int($4 / 1048576)}'
}

# 1. What the set-up needs, checked before it spends minutes cloning.
command -v git >/dev/null 2>&1 || die "git not found: install git (Debian: apt-get install git), or set ODOO_PATH / ODOO_PYTHON to an installed Odoo 18."
PY=$(pick_python)
[ -n "$PY" ] || die "no Python 3.10-3.12 found${BOOTSTRAP_PYTHON:+ at BOOTSTRAP_PYTHON=$BOOTSTRAP_PYTHON}: install python3 (Debian 12: apt-get install python3 python3-venv python3-dev) or set BOOTSTRAP_PYTHON."
"$PY" -c 'import venv, ensurepip' 2>/dev/null \
    || die "$PY has no venv module: install python3-venv (Debian: apt-get install python3-venv)."
"$PY" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    || die "no Python headers for $PY (Python.h): install python3-dev (Debian: apt-get install python3-dev)."
command -v gcc >/dev/null 2>&1 || die "no C compiler: install gcc (Debian: apt-get install gcc); Odoo's psycopg2 and cbor2 build from source."
command -v pg_config >/dev/null 2>&1 || die "pg_config not found: install libpq-dev (Debian: apt-get install libpq-dev); psycopg2 builds against it."
if [ ! -f "$SRC/odoo-bin" ]; then
    have=$(free_gb "$SRC")
    [ "$have" -ge "$NEED_GB" ] || die "only $have GB free for $SRC, Odoo needs about $NEED_GB GB: free some space or set ODOO_CACHE to a larger disk."
fi

# 2. Odoo's source: a shallow clone of a branch or tag, or one commit.
fetch_commit() {
    # $1 url, $2 full commit, $3 destination: only that commit, without history.
    git init -q "$3" && git -C "$3" remote add origin "$1" \
        && git -C "$3" fetch -q --depth 1 origin "$2" && git -C "$3" checkout -q FETCH_HEAD
}

fetch_odoo() {
    # $1 destination
    local url=$ODOO_REPO sha=$ODOO_REF
    [ -d "$ODOO_REPO" ] && url="file://$(cd "$ODOO_REPO" && pwd)"  # file:// so that --depth applies
    if [[ ! $ODOO_REF =~ ^[0-9a-fA-F]{7,40}$ ]]; then
        git clone -q --depth 1 --branch "$ODOO_REF" "$url" "$1" && return
        fail "could not clone branch ODOO_REF=$ODOO_REF of ODOO_REPO=$ODOO_REPO: check the network and the branch, or set ODOO_REPO to a local clone of Odoo (or ODOO_PATH / ODOO_PYTHON to an installed Odoo 18)"
    fi
    if [ -d "$ODOO_REPO" ]; then  # a local repository says at once whether it has the commit
        sha=$(git -C "$ODOO_REPO" rev-parse -q --verify "$ODOO_REF^{commit}") \
            || fail "ODOO_REF=$ODOO_REF is not a commit of ODOO_REPO=$ODOO_REPO"
    elif [ ${#sha} -lt 40 ]; then
        fail "ODOO_REF=$ODOO_REF: give the full 40-character commit for a remote ODOO_REPO"
    fi
    fetch_commit "$url" "$sha" "$1" && return
    rm -rf "$1"
    if [ -d "$ODOO_REPO" ]; then  # a local repository that refuses to serve a lone commit: copy it whole
        git clone -q --no-checkout "$ODOO_REPO" "$1" && git -C "$1" checkout -q "$sha" && return
    fi
    fail "could not fetch commit $sha of ODOO_REPO=$ODOO_REPO: check the network and the commit, or set ODOO_REPO to a local clone of Odoo (or ODOO_PATH / ODOO_PYTHON to an installed Odoo 18)"
}

if [ ! -f "$SRC/odoo-bin" ]; then
    step "fetching Odoo $ODOO_REF from $ODOO_REPO (shallow, about 1.2 GB checked out)"
    partial=$SRC.partial
    rm -rf "$partial"
    (fetch_odoo "$partial") >>"$LOG" 2>&1 || { rm -rf "$partial"; tail -1 "$LOG" >&2; exit 1; }
    [ -f "$partial/odoo-bin" ] && [ -f "$partial/odoo/release.py" ] && [ -f "$partial/requirements.txt" ] \
        || { rm -rf "$partial"; fail "ODOO_REPO=$ODOO_REPO at ODOO_REF=$ODOO_REF is not an Odoo source tree"; }
    rm -rf "$SRC" && mv "$partial" "$SRC"
    step "Odoo source ready ($(git -C "$SRC" rev-parse --short HEAD))"
else
    step "reusing the Odoo source already in $SRC ($(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?'))"
fi

# 3. A virtualenv with Odoo's requirements. An unfinished one is made anew.
explain_pip_failure() {
    # pip's known failures, one per line: a regular expression, a tab, what to do.
    local pattern advice
    while IFS=$'\t' read -r pattern advice; do
        if grep -Eq "$pattern" "$LOG"; then fail "$advice"; fi
    done <<KNOWN
No space left on device	disk full while installing into $VENV: free some space or set ODOO_CACHE to a larger disk
pg_config executable not found	pg_config not found: install libpq-dev (Debian: apt-get install libpq-dev)
Python\.h: No such file	no Python headers: install python3-dev (Debian: apt-get install python3-dev)
(ldap|lber|sasl)\.h: No such file	python-ldap needs LDAP headers: install libldap2-dev libsasl2-dev (Debian)
command '[^']*gcc' failed|gcc: (command )?not found|No such file or directory: '[^']*gcc'	no C compiler: install gcc (Debian: apt-get install gcc)
Failed to establish a new connection|Temporary failure in name resolution|Network is unreachable|No matching distribution found|Could not fetch URL	cannot download Odoo's requirements: check the network or pip's index settings (PIP_INDEX_URL)
KNOWN
    fail "installing Odoo's requirements into $VENV failed; the log's last lines say why"
}

rm -rf "$VENV"
step "creating a virtualenv with $PY ($("$PY" -c 'import platform; print(platform.python_version())')) in $VENV"
"$PY" -m venv "$VENV" >>"$LOG" 2>&1 || fail "could not create a virtualenv in $VENV with $PY"

requirements=$(mktemp)
constraints=$(mktemp)
trap 'rm -f "$requirements" "$constraints"' EXIT
# cbor2's source build (Python 3.11) needs a setuptools from before 70.
echo "setuptools<70" >"$constraints"
if [ -f /usr/include/ldap.h ] && [ -f /usr/include/lber.h ]; then
    cp "$SRC/requirements.txt" "$requirements"
else  # python-ldap (only Odoo's auth_ldap uses it) needs the LDAP headers to build
    grep -iv '^python-ldap' "$SRC/requirements.txt" >"$requirements"
    step "no LDAP headers (/usr/include/ldap.h, lber.h): python-ldap left out (only Odoo's auth_ldap needs it)"
fi
step "installing Odoo's Python requirements (a few minutes)"
PIP_CONSTRAINT="$constraints${PIP_CONSTRAINT:+ $PIP_CONSTRAINT}" \
    "$VENV/bin/python" -m pip install --progress-bar off -r "$requirements" >>"$LOG" 2>&1 || explain_pip_failure

ODOO_PATH=$SRC ODOO_PYTHON=$VENV/bin/python
export ODOO_PATH ODOO_PYTHON
problem=$(odoo_problem)
[ -z "$problem" ] || fail "the Odoo set up in $SRC does not start: $problem"

# 4. The test tools (pytest-odoo, ..., Debian's chromium), as `make test` would install them.
step "installing the test tools"
"$ROOT/tools/ensure_test_deps.sh"

printf '%s %s (%s), set up %s\n' "$ODOO_REPO" "$ODOO_REF" "$(git -C "$SRC" rev-parse --short HEAD)" "$(date -u +%FT%TZ)" >"$MARKER"
step "done: Odoo 18 in $SRC, its Python $VENV/bin/python (reused from now on)"
