"""From versions whose touchpoint-triggered journeys kept a high-water mark (marketing_workflow.
last_event_id) to the per-journey queue filled by a trigger: the touchpoints recorded after the mark
and not yet looked at are queued, or they would never enrol anyone (the mark's column is dropped at
the end of this upgrade)."""


def migrate(cr, version):
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'marketing_workflow' AND column_name = 'last_event_id'"""
    )
    if not cr.fetchone():
        return
    cr.execute(
        """INSERT INTO marketing_workflow_event_queue (workflow_id, event_id)
           SELECT w.id, e.id
             FROM marketing_workflow w
             JOIN marketing_event e ON e.event_type = w.trigger_event_type AND e.id > COALESCE(w.last_event_id, 0)
            WHERE w.trigger = 'event' AND w.state IN ('running', 'paused')
                  AND NOT EXISTS (SELECT 1 FROM marketing_workflow_event_queue q
                                   WHERE q.workflow_id = w.id AND q.event_id = e.id)
            ORDER BY e.id"""
    )
