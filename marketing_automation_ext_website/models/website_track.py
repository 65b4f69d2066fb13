from odoo import fields, models

from ..lib.dwell import CLOCK_SKEW_SECONDS, MAX_DWELL_SECONDS, RATE_LIMIT_PER_MINUTE, BeaconError, dwell_fits


class WebsiteTrack(models.Model):
    """Odoo's page view, with what marketing needs: consent, time on page and the touchpoint it became."""

    _inherit = "website.track"

    marketing_consent = fields.Boolean(
        "Marketing Consent",
        readonly=True,
        help="The visitor allowed optional cookies when viewing the page: only then does it become a touchpoint.",
    )
    marketing_dwell_seconds = fields.Integer("Time on Page (s)", readonly=True)
    marketing_dwell_date = fields.Datetime("Time on Page Reported", readonly=True)
    marketing_event_id = fields.Many2one(
        "marketing.event", string="Touchpoint", readonly=True, ondelete="set null", index="btree_not_null"
    )

    def _marketing_store_dwell(self, visitor, path, seconds):
        """Store the time on page of ``visitor``'s latest view of ``path`` (path and query), once.

        Raises BeaconError (nothing stored) when there is no such page view, its figure is
        already in, the visitor sends too many, or the page has not been open that long.
        """
        cr = self.env.cr
        # the wall clock, not the transaction's: a page view's age is measured against it
        now = fields.Datetime.now()
        cr.execute(
            """SELECT count(*) FROM website_track
                WHERE visitor_id = %s AND marketing_dwell_date > %s::timestamp - INTERVAL '1 minute'""",
            [visitor.id, now],
        )
        if cr.fetchone()[0] >= RATE_LIMIT_PER_MINUTE:
            raise BeaconError(429, "too many time-on-page figures from this visitor")
        cr.execute(
            """SELECT id, marketing_dwell_seconds, marketing_event_id,
                      EXTRACT(EPOCH FROM %s::timestamp - visit_datetime)
                 FROM website_track
                WHERE visitor_id = %s AND marketing_consent
                      AND visit_datetime >= %s::timestamp - %s * INTERVAL '1 second'
                      AND regexp_replace(url, '^[a-zA-Z]+://[^/]+', '') = %s
                ORDER BY visit_datetime DESC, id DESC LIMIT 1
                FOR UPDATE""",
            [now, visitor.id, now, MAX_DWELL_SECONDS + CLOCK_SKEW_SECONDS, path],
        )
        row = cr.fetchone()
        if not row:
            raise BeaconError(404, "no recent view of this page by this visitor")
        track_id, stored, event_id, age = row
        if stored:
            raise BeaconError(409, "this page view has its time on page already")
        if not dwell_fits(seconds, float(age)):
            raise BeaconError(400, "more seconds than the page has been open")
        cr.execute(
            "UPDATE website_track SET marketing_dwell_seconds = %s, marketing_dwell_date = %s WHERE id = %s",
            [seconds, now, track_id],
        )
        self.invalidate_model(["marketing_dwell_seconds", "marketing_dwell_date"])
        if event_id:
            self.env["marketing.event"]._marketing_add_dwell(event_id, seconds)
