"""Under pytest-odoo, Odoo 18's log lines only reach the captured stderr of each test, so an
error logged by Odoo's HTTP server thread or a tour's browser never fails a run by itself.

``make test`` names a file in MARKETING_TEST_LOG: every warning and error logged during the
session is written there too, and tests/test_zz_run_log.py (collected last) checks it.
"""

import logging
import os

MARKER = "# warnings and errors logged during the pytest session"
LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(dbname)s %(name)s: %(message)s"


class _DbName(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "dbname"):
            record.dbname = "?"
        return True


def pytest_sessionstart(session):
    path = os.environ.get("MARKETING_TEST_LOG")
    if not path:
        return
    with open(path, "w", encoding="utf-8") as log:
        log.write(MARKER + "\n")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.WARNING)
    handler.addFilter(_DbName())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.getLogger().addHandler(handler)
