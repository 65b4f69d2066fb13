"""Plain pytest: the lifecycle log check flags what it must, and only that."""

import importlib.util
from pathlib import Path

SPEC = importlib.util.spec_from_file_location(
    "check_log", Path(__file__).resolve().parent.parent / "tools" / "check_log.py"
)
check_log = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_log)

PREFIX = "2026-11-22 18:23:15,507 5163"


def test_addon_warning_is_a_problem():
    lines = [f"{PREFIX} WARNING db odoo.addons.marketing_automation_ext.models.x: oops"]
    assert check_log.problems(lines) == lines


def test_other_addon_warning_is_not_ours():
    lines = [f"{PREFIX} WARNING db odoo.addons.mail.models.mail_mail: slow server"]
    assert check_log.problems(lines) == []


def test_any_error_is_a_problem():
    lines = [
        f"{PREFIX} INFO db odoo.modules.loading: loading marketing_automation_ext/views/x.xml",
        f"{PREFIX} ERROR db odoo.sql_db: bad query",
    ]
    assert check_log.problems(lines) == lines[1:]
