"""Plain pytest: the addon ships as an OCA-style wheel that Odoo installs from site-packages.

tools/wheel.sh (`make wheel`) builds odoo-addon-marketing_automation_ext with whool. The
wheel goes into a scratch virtualenv that sees Odoo's own packages, where
`odoo.addons.marketing_automation_ext` must resolve to the installed copy, and Odoo, with
an addons path that leaves this repository out, installs the addon into a fresh database.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDON = "marketing_automation_ext"
CONF = Path(os.environ.get("BUILD_DIR", ROOT / ".build")) / "test.conf"
TEST_DB = os.environ.get("TEST_DB")
ADDONS = sorted(path.parent for path in ROOT.glob("*/__manifest__.py"))


def run(*command, **kwargs):
    kwargs.setdefault("timeout", 600)
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.mark.parametrize("addon", ADDONS, ids=[addon.name for addon in ADDONS])
def test_every_addon_builds_with_whool(addon):
    text = (addon / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^build-backend = "whool\.buildapi"$', text, re.M), f"{addon.name}/pyproject.toml"
    assert re.search(r'^requires = \["whool"\]$', text, re.M), f"{addon.name}/pyproject.toml"


@pytest.fixture
def wheel(tmp_path):
    """The wheel `make wheel` builds, from the working tree as it is.

    whool ships the files git knows; a scratch git index that also holds the files not yet
    added makes the wheel what a commit of the tree would give (the real index is untouched).
    """
    index = tmp_path / "index"
    shutil.copy(ROOT / run("git", "rev-parse", "--git-path", "index", cwd=ROOT).strip(), index)
    env = dict(os.environ, GIT_INDEX_FILE=str(index), DIST_DIR=str(tmp_path / "dist"))
    run("git", "add", "--all", "--", ADDON, cwd=ROOT, env=env)
    run("bash", str(ROOT / "tools" / "wheel.sh"), cwd=ROOT, env=env)
    wheels = sorted((tmp_path / "dist").glob("*.whl"))
    assert len(wheels) == len(ADDONS), wheels
    return next(path for path in wheels if path.name.startswith(f"odoo_addon_{ADDON}-"))


@pytest.mark.skipif(not TEST_DB or not CONF.exists(), reason="make test sets TEST_DB and writes BUILD_DIR/test.conf")
def test_wheel_installs_into_odoo_from_site_packages(wheel, tmp_path):
    # OCA's name and version: odoo-addon-<addon>, the manifest's version and the commits since.
    manifest = ast.literal_eval((ROOT / ADDON / "__manifest__.py").read_text(encoding="utf-8"))
    version = re.escape(manifest["version"])
    assert re.fullmatch(rf"odoo_addon_{ADDON}-{version}(\.\d+)?-py3-none-any\.whl", wheel.name), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(archive.read(name).decode() for name in names if name.endswith(".dist-info/METADATA"))
    assert f"Name: odoo-addon-{ADDON}" in metadata.splitlines()
    assert f"odoo/addons/{ADDON}/__manifest__.py" in names
    # odoo and odoo.addons stay namespace packages: the wheel brings neither __init__.py.
    assert not {"odoo/__init__.py", "odoo/addons/__init__.py", f"odoo/addons/{ADDON}/pyproject.toml"} & names

    # A scratch virtualenv that sees Odoo's own Python packages.
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", str(venv))
    python = str(venv / "bin" / "python")
    site_packages = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    odoo_site = run(sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    (site_packages / "odoo_venv.pth").write_text(odoo_site + "\n", encoding="utf-8")
    # Odoo runs from its source tree, not from a distribution pip knows: hence --no-deps.
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel))

    odoo_path = os.path.dirname(os.path.dirname(__import__("odoo").__file__))
    env = dict(os.environ, PYTHONPATH=odoo_path)
    addons_path = f"{odoo_path}/addons,{odoo_path}/odoo/addons"  # without this repository
    where = run(
        python,
        "-c",
        textwrap.dedent(f"""
            import importlib.util
            import odoo
            from odoo.modules.module import get_module_path, initialize_sys_path
            print(importlib.util.find_spec("odoo.addons.{ADDON}").origin)
            odoo.tools.config.parse_config(["--addons-path={addons_path}"])
            initialize_sys_path()
            print(get_module_path("{ADDON}"))
        """),
        cwd=tmp_path,
        env=env,
    ).split()
    installed = site_packages / "odoo" / "addons" / ADDON
    assert where == [str(installed / "__init__.py"), str(installed)]

    database = f"{TEST_DB}_wheel"
    run("dropdb", "--if-exists", database)
    try:
        run(
            python,
            f"{odoo_path}/odoo-bin",
            "-c",
            str(CONF),
            "-d",
            database,
            "-i",
            ADDON,
            f"--addons-path={addons_path}",
            f"--data-dir={tmp_path / 'data'}",
            "--max-cron-threads=0",
            "--no-http",
            "--stop-after-init",
            "--log-level=warn",
            cwd=tmp_path,
            env=env,
        )
        state = run("psql", "-X", "-d", database, "-tAc", f"select state from ir_module_module where name = '{ADDON}'")
        assert state.strip() == "installed"
    finally:
        run("dropdb", "--if-exists", database)
