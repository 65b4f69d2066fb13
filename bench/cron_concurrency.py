"""Two Odoo workers run the scoring cron at once, one is killed mid-batch: nothing is lost or doubled.

Run by ``make concurrency`` on the benchmark database (bench_scoring.py's data):
every bench trace is queued as opened twice (a duplicated delivery), then two
``odoo-bin shell`` processes drain the queue with ``_cron_score_pending`` in
batches (commit per batch); the first is SIGKILLed after its first batches, a
third finishes. Afterwards each trace has exactly one open event, the queue is
empty and every event is scored.
"""

import argparse
import os
import signal
import subprocess
import sys
import time

from bench_common import sent_mailing

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

WORKER = """
import time
Event = env["marketing.event"]
while True:
    remaining = Event._cron_score_pending(batch_size=200)
    env.cr.commit()
    if not remaining:
        break
"""


def worker(config, db):
    odoo_bin = os.path.join(odoo.tools.config["root_path"], "..", "odoo-bin")
    return subprocess.Popen(
        [sys.executable, odoo_bin, "shell", "-c", config, "-d", db, "--no-http", "--log-level=warn"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--traces", type=int, default=20000)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--no-http"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        mailing = sent_mailing(env, "Concurrency mailing", args.traces, 800000000, newest_first=True)
        cr.execute("SELECT id FROM mailing_trace WHERE mass_mailing_id = %s", [mailing.id])
        trace_ids = [row[0] for row in cr.fetchall()]
        cr.execute("DELETE FROM marketing_event WHERE mailing_trace_id = ANY(%s)", [trace_ids])
        cr.execute("DELETE FROM marketing_event_queue")
        cr.execute("UPDATE marketing_event SET scored = true WHERE NOT scored")
        # every open delivered twice
        for _ in range(2):
            cr.execute(
                "INSERT INTO marketing_event_queue (trace_id, status, date) "
                "SELECT unnest(%s::int[]), 'open', now() at time zone 'UTC'",
                [trace_ids],
            )
        cr.commit()
    queued = len(trace_ids) * 2
    print("queued %d touchpoints for %d traces" % (queued, len(trace_ids)), flush=True)

    first, second = worker(args.config, args.db), worker(args.config, args.db)
    first.stdin.write(WORKER)
    first.stdin.close()
    second.stdin.write(WORKER)
    second.stdin.close()
    time.sleep(float(os.environ.get("KILL_AFTER", "5")))
    first.send_signal(signal.SIGKILL)
    first.wait()
    print("worker 1 killed mid-run", flush=True)
    second.wait(timeout=600)
    third = worker(args.config, args.db)
    third.stdin.write(WORKER)
    third.stdin.close()
    third.wait(timeout=600)

    with registry.cursor() as cr:
        cr.execute(
            "SELECT count(*), count(DISTINCT mailing_trace_id), count(*) FILTER (WHERE NOT scored) "
            "FROM marketing_event WHERE mailing_trace_id = ANY(%s) AND event_type = 'email_open'",
            [trace_ids],
        )
        events, distinct_traces, unscored = cr.fetchone()
        cr.execute("SELECT count(*) FROM marketing_event_queue")
        left = cr.fetchone()[0]
    print("open events: %d for %d traces; unscored: %d; still queued: %d" % (events, distinct_traces, unscored, left))
    ok = events == len(trace_ids) == distinct_traces and not unscored and not left
    print("concurrency check: %s" % ("ok" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
