from . import controllers
from . import models
from . import wizard


def uninstall_hook(env):
    """Drop the indexes, triggers and functions created in ``init()`` that Odoo does not track."""
    env.cr.execute("DROP FUNCTION IF EXISTS marketing_event_queue_for_journeys() CASCADE")
    env.cr.execute("DROP FUNCTION IF EXISTS marketing_trace_status_queue() CASCADE")
    env.cr.execute("DROP INDEX IF EXISTS marketing_event_partner_date_idx")
    env.cr.execute("DROP INDEX IF EXISTS marketing_event_type_date_idx")
    env.cr.execute("DROP INDEX IF EXISTS marketing_event_unscored_idx")
    env.cr.execute("DROP INDEX IF EXISTS mailing_trace_marketing_cap_email_idx")
    env.cr.execute("DROP INDEX IF EXISTS mailing_trace_marketing_cap_sms_idx")
