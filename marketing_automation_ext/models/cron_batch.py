"""A cron batch that meets another process's changes is tried again shortly instead of failing."""

import logging
from datetime import timedelta

from odoo import fields
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

_logger = logging.getLogger(__name__)

# a postponed batch runs again after this
RETRY_DELAY = timedelta(seconds=30)


def run_batch_or_postpone(env, cron_xmlid, batch):
    """``batch()`` in a savepoint; if PostgreSQL refuses it for a concurrent change, undo it and
    call the cron again in ``RETRY_DELAY``; returns what ``batch`` returned, or 0 when postponed.

    Odoo's transactions are repeatable read: a row that another process (a journey tagging a
    contact, a tracking request, another cron) changed since this batch began cannot be updated
    or locked in it. Nothing is wrong with the batch and its work is still queued: a new
    transaction, with a new snapshot, does it. Without this, Odoo logged the cron as failed with
    a traceback and the work waited for the cron's next regular call.
    """
    try:
        with env.cr.savepoint():
            return batch()
    except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
        _logger.info("%s: batch postponed, another process changed its rows (%s)", cron_xmlid, error.pgcode)
        env.ref(cron_xmlid)._trigger(fields.Datetime.now() + RETRY_DELAY)
        return 0
