#!/usr/bin/env bash
# make wheel: one wheel per addon at the repository root, OCA's way: each addon folder holds
# a pyproject.toml whose build backend is whool, which names the wheel
# odoo-addon-<addon> and versions it from the manifest (18.0.x.y.z, plus .N for the commits
# since the version last changed). Wheels go to DIST_DIR (dist/).
. "$(dirname "$0")/common.sh"
DIST_DIR=${DIST_DIR:-$ROOT/dist}
PY=$ODOO_PYTHON
[ -x "$PY" ] || PY=python3
"$PY" -m pip --version >/dev/null 2>&1 || die "no pip for $PY: set ODOO_PYTHON to a Python with pip (or install python3-pip)."
mkdir -p "$DIST_DIR"
for manifest in "$ROOT"/*/__manifest__.py; do
    addon_dir=$(dirname "$manifest")
    addon=$(basename "$addon_dir")
    grep -q 'whool.buildapi' "$addon_dir/pyproject.toml" 2>/dev/null \
        || die "$addon has no pyproject.toml building with whool: copy $ADDON/pyproject.toml into it."
    echo "== building the wheel of $addon"
    "$PY" -m pip wheel --quiet --no-deps --wheel-dir "$DIST_DIR" "$addon_dir" || die "building the wheel of $addon failed."
done
ls -l "$DIST_DIR"/*.whl
