"""Two real, interleaved transactions record touchpoints out of id order; each triggers its
journey once. Plain pytest on the test database with real commits (cleaned up afterwards):
Odoo's test cursors share one transaction and could not show it."""

import odoo
from odoo import SUPERUSER_ID, api

PREFIX = "trigger-order-test"


def _env(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


def _participants(registry, workflow_id):
    with registry.cursor() as cr:
        cr.execute(
            "SELECT res_id, count(*) FROM marketing_workflow_participant WHERE workflow_id = %s GROUP BY res_id",
            [workflow_id],
        )
        return dict(cr.fetchall())


def _run_journey_cron(registry):
    with registry.cursor() as cr:
        _env(cr)["marketing.workflow"]._run_now()


def _cleanup(registry):
    with registry.cursor() as cr:
        cr.execute("SELECT id FROM res_partner WHERE name LIKE %s", [PREFIX + "%"])
        partner_ids = [row[0] for row in cr.fetchall()]
        cr.execute("DELETE FROM marketing_workflow WHERE name LIKE %s", [PREFIX + "%"])
        if partner_ids:
            cr.execute("DELETE FROM marketing_event WHERE partner_id = ANY(%s)", [partner_ids])
            _env(cr)["res.partner"].browse(partner_ids).unlink()


def test_interleaved_transactions_trigger_their_journey_once():
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    assert not registry.test_cr, "needs real cursors"
    _cleanup(registry)
    try:
        with registry.cursor() as cr:
            env = _env(cr)
            slow_partner, fast_partner = env["res.partner"].create(
                [{"name": PREFIX + " slow"}, {"name": PREFIX + " fast"}]
            )
            workflow = env["marketing.workflow"].create(
                {
                    "name": PREFIX,
                    "model_name": "res.partner",
                    "trigger": "event",
                    "trigger_event_type": "custom",
                    "quiet_hours": False,
                }
            )
            env["marketing.workflow.step"].create({"name": "Pause", "workflow_id": workflow.id, "action_type": "wait"})
            workflow.action_start()
            ids = {"slow": slow_partner.id, "fast": fast_partner.id, "workflow": workflow.id}

        slow = registry.cursor()  # a long import: its touchpoint gets the lower id, commits last
        fast = registry.cursor()  # a tracking request: higher id, commits first
        try:
            slow_event = _env(slow)["marketing.event"].record_event("custom", partner_id=ids["slow"])
            fast_event = _env(fast)["marketing.event"].record_event("custom", partner_id=ids["fast"])
            assert slow_event < fast_event, "record_event returns the new id"
            fast.commit()
            _run_journey_cron(registry)
            assert _participants(registry, ids["workflow"]) == {ids["fast"]: 1}
            slow.commit()
        finally:
            slow.close()
            fast.close()
        _run_journey_cron(registry)
        _run_journey_cron(registry)
        assert _participants(registry, ids["workflow"]) == {ids["fast"]: 1, ids["slow"]: 1}
    finally:
        _cleanup(registry)
