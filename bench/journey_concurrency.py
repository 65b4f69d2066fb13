"""Two Odoo workers run the journey cron at once, one is killed mid-batch: nobody gets a step twice.

Run by ``make concurrency``: a two-email journey for N contacts ('conc-…',
created here once), then two ``odoo-bin shell`` processes run
``marketing.workflow._cron_process`` in batches (commit per batch, as the cron
does); the first is SIGKILLed after a few seconds and a third finishes.
Afterwards every participant has exactly one message per step, every trace is
done, and the number of queued mails is exactly two per participant.
"""

import argparse
import os
import signal
import subprocess
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

WORKER = """
Workflow = env["marketing.workflow"]
while True:
    remaining = Workflow._cron_process(batch_size=200)
    env.cr.commit()
    if not remaining:
        break
"""
NAME = "Concurrency journey"


def worker(config, db):
    odoo_bin = os.path.join(odoo.tools.config["root_path"], "..", "odoo-bin")
    process = subprocess.Popen(
        [sys.executable, odoo_bin, "shell", "-c", config, "-d", db, "--no-http", "--log-level=warn"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    process.stdin.write(WORKER)
    process.stdin.close()
    return process


def cleanup(env):
    env.cr.execute("SELECT id FROM marketing_workflow WHERE name = %s", [NAME])
    workflow_ids = [row[0] for row in env.cr.fetchall()]
    if not workflow_ids:
        return
    env.cr.execute("SELECT id FROM mailing_mailing WHERE marketing_workflow_id = ANY(%s)", [workflow_ids])
    mailing_ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute("DELETE FROM mail_mail WHERE mailing_id = ANY(%s)", [mailing_ids])
    env.cr.execute("DELETE FROM mailing_trace WHERE mass_mailing_id = ANY(%s)", [mailing_ids])
    env.cr.execute("DELETE FROM marketing_workflow_trace WHERE workflow_id = ANY(%s)", [workflow_ids])
    env.cr.execute("DELETE FROM marketing_workflow_participant WHERE workflow_id = ANY(%s)", [workflow_ids])
    env.cr.execute("DELETE FROM marketing_workflow_step WHERE workflow_id = ANY(%s)", [workflow_ids])
    env.cr.execute("DELETE FROM mailing_mailing WHERE id = ANY(%s)", [mailing_ids])
    env.cr.execute("DELETE FROM marketing_workflow WHERE id = ANY(%s)", [workflow_ids])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--contacts", type=int, default=5000)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--no-http"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cleanup(env)
        cr.execute("SELECT count(*) FROM res_partner WHERE email LIKE 'conc-%%@example.com'")
        missing = args.contacts - cr.fetchone()[0]
        if missing > 0:
            env["res.partner"].create(
                [{"name": "Conc %s" % i, "email": "conc-%s@example.com" % i} for i in range(missing)]
            )
        workflow = env["marketing.workflow"].create(
            {
                "name": NAME,
                "trigger": "manual",
                "quiet_hours": False,
                "domain": "[('email', '=like', 'conc-%')]",
            }
        )
        parent = False
        for subject in ("Concurrency one", "Concurrency two"):
            mailing = env["mailing.mailing"].create(
                {
                    "name": subject,
                    "subject": subject,
                    "body_html": "<p>Hi <t t-out='object.name'/></p>",
                    "marketing_workflow_id": workflow.id,
                }
            )
            parent = env["marketing.workflow.step"].create(
                {
                    "name": subject,
                    "workflow_id": workflow.id,
                    "action_type": "email",
                    "mailing_id": mailing.id,
                    "parent_id": parent.id if parent else False,
                }
            )
        workflow.action_start()
        cr.execute("SELECT id FROM res_partner WHERE email LIKE 'conc-%%' ORDER BY id LIMIT %s", [args.contacts])
        enrolled = workflow.enrol([row[0] for row in cr.fetchall()])
        cr.commit()
        workflow_id = workflow.id
    print("enrolled %d contacts in a two-email journey" % enrolled, flush=True)

    first, second = worker(args.config, args.db), worker(args.config, args.db)
    time.sleep(float(os.environ.get("KILL_AFTER", "8")))
    first.send_signal(signal.SIGKILL)
    first.wait()
    print("worker 1 killed mid-run", flush=True)
    second.wait(timeout=1200)
    third = worker(args.config, args.db)
    third.wait(timeout=1200)

    with registry.cursor() as cr:
        cr.execute(
            """SELECT count(*), count(DISTINCT (t.participant_id, t.step_id)),
                      count(*) FILTER (WHERE t.state <> 'processed')
                 FROM marketing_workflow_trace t WHERE t.workflow_id = %s""",
            [workflow_id],
        )
        traces, distinct, unfinished = cr.fetchone()
        cr.execute(
            """SELECT count(*), count(DISTINCT mt.marketing_workflow_trace_id)
                 FROM mailing_trace mt JOIN marketing_workflow_trace t ON t.id = mt.marketing_workflow_trace_id
                WHERE t.workflow_id = %s""",
            [workflow_id],
        )
        messages, distinct_messages = cr.fetchone()
        cr.execute(
            """SELECT count(*) FROM mail_mail m JOIN mailing_mailing g ON g.id = m.mailing_id
                WHERE g.marketing_workflow_id = %s""",
            [workflow_id],
        )
        mails = cr.fetchone()[0]
        env = api.Environment(cr, SUPERUSER_ID, {})
        cleanup(env)
        cr.commit()
    print(
        "traces: %d (%d distinct participant-steps, %d not done); messages: %d for %d traces; queued mails: %d"
        % (traces, distinct, unfinished, messages, distinct_messages, mails)
    )
    expected = 2 * enrolled
    ok = traces == distinct == messages == distinct_messages == mails == expected and not unfinished
    print("journey concurrency check: %s" % ("ok" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
