"""Run in `odoo-bin shell` on a database with the EARLIER version of the addon: data in every model
(beyond the demo), including work left half done (queued touchpoints, waiting journey steps)."""

# ruff: noqa: F821  (env is odoo shell's)
Partner, Lead, Event = env["res.partner"], env["crm.lead"], env["marketing.event"]
partners = Partner.create(
    [{"name": "Upgrade %s" % i, "email": "upgrade%s@example.com" % i, "phone": "+3245600%04d" % i} for i in range(20)]
)
Lead.create(
    [{"name": "Upgrade deal %s" % i, "partner_id": p.id, "expected_revenue": 1000 * i} for i, p in enumerate(partners)]
)
for partner in partners:
    Event.record_event("custom", partner_id=partner.id, source_key="upgrade:%s" % partner.id)
Segment = env["marketing.segment"]
static = Segment.create({"name": "Upgrade static", "segment_type": "static"})
env["marketing.segment.member"].create([{"segment_id": static.id, "partner_id": p.id} for p in partners[:5]])
Segment.create(
    {"name": "Upgrade in static", "domain": "[('email', 'ilike', 'upgrade')]", "include_segment_ids": [(4, static.id)]}
)
Segment.create(
    {"name": "Upgrade not static", "domain": "[('email', 'ilike', 'upgrade')]", "exclude_segment_ids": [(4, static.id)]}
)
engaged = Segment.create({"name": "Upgrade engaged", "domain": "[('email', 'ilike', 'upgrade')]"})
env["marketing.segment.condition"].create({"segment_id": engaged.id, "kind": "did", "event_type": "custom", "days": 0})
Segment.search([])._refresh()

Workflow, Step = env["marketing.workflow"], env["marketing.workflow.step"]
journey = Workflow.create(
    {
        "name": "Upgrade journey",
        "model_name": "res.partner",
        "trigger": "audience",
        "quiet_hours": False,
        "domain": "[('email', 'ilike', 'upgrade')]",
    }
)
mailing = env["mailing.mailing"].create(
    {"name": "Upgrade hello", "subject": "Hello", "body_html": "<p>Hello</p>", "marketing_workflow_id": journey.id}
)
first = Step.create({"name": "Hello", "workflow_id": journey.id, "action_type": "email", "mailing_id": mailing.id})
Step.create(
    {
        "name": "Opened",
        "workflow_id": journey.id,
        "parent_id": first.id,
        "condition": "opened",
        "window_amount": 3,
        "window_unit": "days",
        "action_type": "tag_add",
        "partner_tag_ids": [(0, 0, {"name": "Upgrade opened"})],
    }
)
Step.create(
    {
        "name": "Later",
        "workflow_id": journey.id,
        "parent_id": first.id,
        "condition": "not_opened",
        "window_amount": 3,
        "window_unit": "days",
        "action_type": "wait",
    }
)
journey.action_start()
Workflow._run_now()
# an event-triggered journey whose touchpoints are queued, not yet taken by its cron
triggered = Workflow.create(
    {
        "name": "Upgrade on touchpoint",
        "model_name": "res.partner",
        "trigger": "event",
        "trigger_event_type": "custom",
        "quiet_hours": False,
    }
)
Step.create({"name": "Pause", "workflow_id": triggered.id, "action_type": "wait", "wait_amount": 1})
triggered.action_start()
for partner in partners[:3]:
    Event.record_event("custom", partner_id=partner.id, source_key="upgrade:again:%s" % partner.id)
Event._score_pending_now()
# an open still queued for the ingestion cron
env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)], limit=2).set_opened()
env.cr.commit()
