"""The scoring cron, meeting a contact that another process changed meanwhile, postpones its
batch instead of failing.

Two real REPEATABLE READ transactions: the scoring cron has its snapshot, a journey step tags
the contact (an ORM write) and commits while the cron waits on the contact's row. Before the fix
the cron raised PostgreSQL's serialization failure: Odoo logged the job as failed with a
traceback, and the touchpoints waited for the cron's next regular call. Now the batch is undone,
the touchpoints stay queued and the cron is called again 30 s later. Plain pytest with real
commits on the test database (cleaned up afterwards).
"""

from real_transactions import real_registry, run_while_other_commits, superuser_env

PREFIX = "scoring-cron-concurrent-test"


def _cleanup(registry):
    with registry.cursor() as cr:
        env = superuser_env(cr)
        partners = env["res.partner"].with_context(active_test=False).search([("name", "=like", PREFIX + "%")])
        if partners:
            cr.execute("DELETE FROM marketing_event WHERE partner_id = ANY(%s)", [partners.ids])
        partners.unlink()
        env["res.partner.category"].search([("name", "=", PREFIX)]).unlink()


def test_scoring_batch_postponed_when_a_journey_changes_the_contact():
    registry = real_registry()
    _cleanup(registry)
    try:
        with registry.cursor() as cr:
            env = superuser_env(cr)
            env["marketing.event"]._score_pending_now()  # nothing else waiting
            partner = env["res.partner"].create({"name": PREFIX, "email": "scored@concurrent.example.com"})
            tag = env["res.partner.category"].create({"name": PREFIX})
            event_id = env["marketing.event"].record_event("email_open", partner_id=partner.id)
            # waiting to be scored: the cron will have to write the contact's score
            cr.execute("UPDATE marketing_event SET scored = false WHERE id = %s", [event_id])
            cr.execute("UPDATE res_partner SET marketing_score = 0 WHERE id = %s", [partner.id])
            cron = env.ref("marketing_automation_ext.ir_cron_marketing_score_events")
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger WHERE cron_id = %s", [cron.id])
            ids = {
                "partner": partner.id,
                "tag": tag.id,
                "event": event_id,
                "cron": cron.id,
                "trigger": cr.fetchone()[0],
            }

        scoring = registry.cursor()
        journey = registry.cursor()
        try:
            scoring.execute("SELECT count(*) FROM marketing_event")  # the cron's snapshot
            superuser_env(journey)["res.partner"].browse(ids["partner"]).write({"category_id": [(4, ids["tag"])]})
            superuser_env(journey).flush_all()
            result = run_while_other_commits(lambda env: env["marketing.event"]._cron_score_pending(), scoring, journey)
        finally:
            journey.close()
            scoring.close()

        assert result == "done", "the scoring cron failed: %s" % result
        with registry.cursor() as cr:
            cr.execute("SELECT scored FROM marketing_event WHERE id = %s", [ids["event"]])
            assert cr.fetchone()[0] is False, "the touchpoint waits for the next batch"
            cr.execute(
                "SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s AND id > %s", [ids["cron"], ids["trigger"]]
            )
            assert cr.fetchone()[0] >= 1, "the cron is called again"
        with registry.cursor() as cr:
            superuser_env(cr)["marketing.event"]._score_pending_now()
        with registry.cursor() as cr:
            cr.execute("SELECT marketing_score FROM res_partner WHERE id = %s", [ids["partner"]])
            assert cr.fetchone()[0] > 0, "then scored"
    finally:
        _cleanup(registry)
