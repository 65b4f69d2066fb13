"""Plain pytest, collected last by `make test`: the Odoo log of the whole run is clean.

pytest-odoo reports failed assertions, but an error logged by Odoo's HTTP server
thread (a route that raised, a read-only transaction that tried to write) or by
a browser tour's page does not fail a test by itself. `make test` sends Odoo's
log to the file named by MARKETING_TEST_LOG; any ERROR in it, or a warning from
this addon, fails here.
"""

import importlib.util
import os
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "check_log", Path(__file__).resolve().parent.parent / "tools" / "check_log.py"
)
check_log = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_log)


@pytest.mark.skipif(not os.environ.get("MARKETING_TEST_LOG"), reason="make test sets MARKETING_TEST_LOG")
def test_the_run_logged_no_error():
    with open(os.environ["MARKETING_TEST_LOG"], encoding="utf-8", errors="replace") as handle:
        lines = handle.readlines()
    assert lines and lines[0].startswith("# warnings and errors"), "conftest.py did not open this run's log"
    assert check_log.problems(lines) == []
