"""Plain pytest: tools/bootstrap.sh, through tools/common.sh's require_odoo, stops with one
line naming what to install or set, before it clones anything; an explicit ODOO_PATH is
never bootstrapped over. (`make bootstrap-check` runs a whole bootstrap and `make test`.)
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The checks run in order; a test of a later one needs the earlier ones to pass on this machine.
build_tools = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("git", "gcc", "pg_config")), reason="needs git, gcc and pg_config"
)


def sandbox_path(tmp_path, without=(), extra=None):
    """A PATH holding every command of the current one except `without`, plus `extra` scripts."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (extra or {}).items():
        script = bin_dir / name
        script.write_text(text)
        script.chmod(0o755)
    for folder in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            target = bin_dir / entry.name
            if entry.name in without or target.exists() or not os.access(entry.path, os.X_OK):
                continue
            target.symlink_to(entry.path)
    return str(bin_dir)


def require_odoo(tmp_path, **env):
    """Runs require_odoo as `make test` would, with nothing set but `env`; returns the process."""
    ours = ("ODOO_PATH", "ODOO_PYTHON", "BOOTSTRAP_PYTHON", "BOOTSTRAP_REASON", "ODOO_BOOTSTRAP_NEED_GB")
    base = {key: value for key, value in os.environ.items() if key not in ours}
    base.update(
        ODOO_BOOTSTRAP="always",
        ODOO_CACHE=str(tmp_path / "cache" / "odoo-18.0"),
        ODOO_REPO="http://127.0.0.1:9/odoo.git",  # refused at once: nothing listens on port 9
        ODOO_REF="18.0",
    )
    base.update(env)
    return subprocess.run(
        ["bash", "-c", '. tools/common.sh; require_odoo; echo "using $ODOO_PATH"'],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def error_line(result):
    assert result.returncode != 0, result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), result.stderr
    return last


def test_explicit_broken_odoo_path_fails_as_before(tmp_path):
    result = require_odoo(tmp_path, ODOO_PATH=str(tmp_path / "no-odoo"), ODOO_BOOTSTRAP="auto")
    assert "cannot import Odoo from ODOO_PATH=" in error_line(result)
    assert "bootstrap" not in result.stdout + result.stderr
    assert not (tmp_path / "cache").exists()


def test_no_git(tmp_path):
    result = require_odoo(tmp_path, PATH=sandbox_path(tmp_path, without={"git"}))
    assert "install git" in error_line(result)


@build_tools
def test_no_compiler(tmp_path):
    result = require_odoo(tmp_path, PATH=sandbox_path(tmp_path, without={"gcc"}))
    assert "install gcc" in error_line(result)


@build_tools
def test_no_venv_module(tmp_path):
    # Debian's python3 without python3-venv: ensurepip cannot be imported.
    hide = tmp_path / "hide"
    (hide / "ensurepip").mkdir(parents=True)
    (hide / "ensurepip" / "__init__.py").write_text("raise ImportError('python3-venv is not installed')\n")
    python3 = f'#!/bin/sh\nPYTHONPATH={hide} exec {sys.executable} "$@"\n'
    names = {"python3", "python3.10", "python3.11", "python3.12"}
    result = require_odoo(tmp_path, PATH=sandbox_path(tmp_path, without=names, extra={"python3": python3}))
    assert "install python3-venv" in error_line(result)


@build_tools
def test_not_enough_disk(tmp_path):
    result = require_odoo(tmp_path, ODOO_BOOTSTRAP_NEED_GB="1000000")
    line = error_line(result)
    assert "GB free" in line and "ODOO_CACHE" in line
    assert not (tmp_path / "cache" / "odoo-18.0").exists()


@build_tools
def test_unreachable_repository(tmp_path):
    result = require_odoo(tmp_path)
    line = error_line(result)
    assert "could not clone" in line and "ODOO_REPO" in line
    assert not (tmp_path / "cache" / "odoo-18.0").exists()
    assert not (tmp_path / "cache" / "odoo-18.0.partial").exists()


@build_tools
@pytest.mark.parametrize("ref", ["0123abc", "0123456789abcdef0123456789abcdef01234567"])
def test_unknown_commit_of_a_local_repository(tmp_path, ref):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    result = require_odoo(tmp_path, ODOO_REPO=str(repo), ODOO_REF=ref)
    assert "ODOO_REPO=" in error_line(result)
