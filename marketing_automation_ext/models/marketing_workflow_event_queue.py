from odoo import fields, models

# Every touchpoint insert, whatever inserts it (tracking ingestion, record_event, segment
# entries, a bridge, a raw import), queues one row per journey listening for its type, in
# the same statement and transaction. A journey consumes its rows with SKIP LOCKED: each
# touchpoint triggers it once, whatever order transactions commit in (ids and dates do not
# arrive in order; a high-water mark on them misses the late ones).
QUEUE_FUNCTION = """
CREATE OR REPLACE FUNCTION marketing_event_queue_for_journeys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO marketing_workflow_event_queue (workflow_id, event_id)
    SELECT w.id, n.id
      FROM new_events n
      JOIN marketing_workflow w
        ON w.trigger = 'event' AND w.state IN ('running', 'paused') AND w.trigger_event_type = n.event_type;
    RETURN NULL;
END
$$
"""


class MarketingWorkflowEventQueue(models.Model):
    """Touchpoints a journey with a touchpoint trigger has yet to look at."""

    _name = "marketing.workflow.event.queue"
    _description = "Marketing Journey Touchpoint Queue"
    _log_access = False
    _order = "id"

    workflow_id = fields.Many2one("marketing.workflow", required=True, ondelete="cascade", index=True)
    event_id = fields.Many2one("marketing.event", required=True, ondelete="cascade")

    def init(self):
        self.env.cr.execute(QUEUE_FUNCTION)
        self.env.cr.execute("DROP TRIGGER IF EXISTS marketing_event_journeys ON marketing_event")
        self.env.cr.execute(
            """CREATE TRIGGER marketing_event_journeys AFTER INSERT ON marketing_event
               REFERENCING NEW TABLE AS new_events
               FOR EACH STATEMENT EXECUTE FUNCTION marketing_event_queue_for_journeys()"""
        )
