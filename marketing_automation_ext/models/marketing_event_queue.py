from odoo import fields, models


class MarketingEventQueue(models.Model):
    """Tracking touchpoints waiting to become events.

    Odoo's open pixel, link redirect and delivery reports only append one row
    here (no foreign keys, no index but the primary key), so they cost about
    what they cost without the addon; the scoring cron turns rows into
    ``marketing.event`` rows in batches.
    """

    _name = "marketing.event.queue"
    _description = "Marketing Touchpoint Queue"
    _log_access = False
    _order = "id"

    trace_id = fields.Integer(required=True)
    status = fields.Char(required=True, help="The trace status reached, or 'click'.")
    link_id = fields.Integer()
    date = fields.Datetime(required=True)
