#!/usr/bin/env bash
# Install the test tools into Odoo's interpreter (and Debian's chromium) when missing.
. "$(dirname "$0")/common.sh"
missing=()
"$ODOO_PYTHON" -c 'import importlib.util as u, sys; sys.exit(not u.find_spec("pytest_odoo"))' 2>/dev/null || missing+=("pytest-odoo==2.3.*" "pytest<10")
"$ODOO_PYTHON" -c 'import websocket' 2>/dev/null || missing+=("websocket-client")
"$ODOO_PYTHON" -c 'import aiosmtpd' 2>/dev/null || missing+=("aiosmtpd")
"$ODOO_PYTHON" -c 'import hypothesis' 2>/dev/null || missing+=("hypothesis")
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing test dependencies into $ODOO_PYTHON: ${missing[*]}"
    "$ODOO_PYTHON" -m pip install -q "${missing[@]}" || die "could not install ${missing[*]} into $ODOO_PYTHON"
fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian's chromium for the browser tests"
        (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >/dev/null \
            || die "could not install chromium; the browser tours need it"
    else
        die "no Chromium found: install Debian's 'chromium' package; the browser tours need it"
    fi
fi
