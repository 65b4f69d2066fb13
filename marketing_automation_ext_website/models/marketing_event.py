from odoo import api, models


class MarketingEvent(models.Model):
    _inherit = "marketing.event"

    @api.model
    def _marketing_add_dwell(self, event_id, seconds):
        """The time on page of a page view arrived after its touchpoint: fill it in, once.

        The one change a touchpoint ever takes (its dwell time goes from empty to a figure);
        the scoring cron rescores its contact and lead, and the journeys waiting for a read
        of at least N seconds look at it again (the insert trigger saw it without dwell time).
        """
        self.env.cr.execute(
            """UPDATE marketing_event SET dwell_seconds = %s, scored = false
                WHERE id = %s AND dwell_seconds IS NULL AND event_type = 'page_view'""",
            [seconds, event_id],
        )
        if not self.env.cr.rowcount:
            return False
        self.env.cr.execute(
            """INSERT INTO marketing_workflow_event_queue (workflow_id, event_id)
               SELECT w.id, %s FROM marketing_workflow w
                WHERE w.trigger = 'event' AND w.state IN ('running', 'paused')
                      AND w.trigger_event_type = 'page_view' AND w.trigger_min_dwell_seconds > 0""",
            [event_id],
        )
        self.invalidate_model(["dwell_seconds", "scored"])
        self.env.ref("marketing_automation_ext.ir_cron_marketing_score_events").sudo()._trigger()
        return True
