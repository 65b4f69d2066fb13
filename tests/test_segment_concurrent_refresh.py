"""A segment's full refresh that meets an incremental refresh of the same segment in another
process is postponed a minute, not failed.

Two real REPEATABLE READ transactions: the hourly refresh has its snapshot, a touchpoint's
incremental refresh (the scoring cron, a tracking request) puts a contact into the segment and
commits while the full refresh waits on the segment's row. Before the fix the full refresh
raised "Segment … could not be refreshed" (a UserError wrapping PostgreSQL's serialization
failure): the hourly cron job failed, logged a traceback, and under steady traffic could keep
failing. Plain pytest with real commits on the test database (cleaned up afterwards).
"""

from real_transactions import real_registry, run_while_other_commits, superuser_env

PREFIX = "concurrent-refresh-test"


def _cleanup(registry):
    with registry.cursor() as cr:
        env = superuser_env(cr)
        env["marketing.segment"].with_context(active_test=False).search([("name", "=like", PREFIX + "%")]).unlink()
        env["res.partner"].with_context(active_test=False).search([("name", "=like", PREFIX + "%")]).unlink()


def test_full_refresh_postponed_when_an_incremental_refresh_commits_first():
    registry = real_registry()
    _cleanup(registry)
    try:
        with registry.cursor() as cr:
            env = superuser_env(cr)
            partners = env["res.partner"].create([{"name": "%s %d" % (PREFIX, i)} for i in range(3)])
            segment = env["marketing.segment"].create(
                {
                    "name": PREFIX,
                    "model_name": "res.partner",
                    "segment_type": "dynamic",
                    "domain": "[('name', '=like', '%s%%')]" % PREFIX,
                    "filter_score": True,
                    "score_min": 1,
                    "score_max": 100,
                }
            )
            segment._refresh()
            ids = {"segment": segment.id, "partner": partners[0].id}
            cron = env.ref("marketing_automation_ext.ir_cron_marketing_segments")
            cr.execute("SELECT max(id) FROM ir_cron_trigger WHERE cron_id = %s", [cron.id])
            last_trigger = cr.fetchone()[0] or 0

        full = registry.cursor()
        incremental = registry.cursor()
        try:
            full.execute("SELECT count(*) FROM marketing_segment_member")  # the full refresh's snapshot
            env = superuser_env(incremental)
            incremental.execute("UPDATE res_partner SET marketing_score = 5 WHERE id = %s", [ids["partner"]])
            env["marketing.segment"]._refresh_records("res.partner", [ids["partner"]])
            result = run_while_other_commits(
                lambda env: env["marketing.segment"].browse(ids["segment"])._refresh(), full, incremental
            )
        finally:
            incremental.close()
            full.close()

        assert result == "done", "the full refresh failed: %s" % result
        with registry.cursor() as cr:
            cr.execute(
                "SELECT partner_id FROM marketing_segment_member WHERE segment_id = %s AND date_exited IS NULL",
                [ids["segment"]],
            )
            assert [row[0] for row in cr.fetchall()] == [ids["partner"]], "the incremental refresh's entry is kept"
            cr.execute(
                """SELECT count(*) FROM ir_cron_trigger
                    WHERE cron_id = %s AND id > %s AND call_at > now() at time zone 'utc'""",
                [cron.id, last_trigger],
            )
            assert cr.fetchone()[0] == 1, "the segment refresh is scheduled again"
    finally:
        _cleanup(registry)
