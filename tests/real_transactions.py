"""Real, committed transactions for the plain tests of what happens between two processes.

Odoo's test cursors share one transaction; these tests open real cursors on the test
database, as two workers would, and clean up after themselves.
"""

import threading
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import mute_logger


def superuser_env(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


def real_registry():
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    assert not registry.test_cr, "needs real cursors"
    return registry


def run_while_other_commits(work, cr, other, wait=1.5):
    """Run ``work(env)`` on ``cr`` in a thread; once it waits for a row ``other`` holds, commit ``other``.

    ``cr`` is committed after ``work``, or rolled back when it raises. Returns "done", or the
    exception's class and message.
    """
    outcome = {}

    def target():
        try:
            work(superuser_env(cr))
            cr.commit()
            outcome["result"] = "done"
        except Exception as error:  # noqa: BLE001 (the caller's assertion names it)
            cr.rollback()
            outcome["result"] = "%s: %s" % (type(error).__name__, error)

    thread = threading.Thread(target=target)
    with mute_logger("odoo.sql_db"):  # PostgreSQL's refusal, logged by Odoo as a bad query
        thread.start()
        time.sleep(wait)  # ``work`` now waits for the row
        other.commit()
        thread.join(timeout=60)
    assert not thread.is_alive(), "still waiting after 60 s"
    return outcome["result"]
