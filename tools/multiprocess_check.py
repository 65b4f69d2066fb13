"""Several Odoo processes on one database (issue 13, item 2): nothing done twice, nothing lost.

Run by ``make multiprocess`` on a fresh database with the addon (``MP_CONTACTS`` contacts,
50,000 by default). Two real servers share the database:

- server A: ``odoo-bin --workers=4 --max-cron-threads=2`` (prefork, as in production);
- server B: a second ``odoo-bin`` (threaded, ``--max-cron-threads=2``) on another port.

Both run every cron: touchpoint ingestion and scoring, segment refresh (every minute here),
the journeys, Odoo's mail queue, and the nightly full rescore (every three minutes here), so
the addon's crons overlap each other and themselves across processes. Mail goes to a real
SMTP server (aiosmtpd) in this process. As messages arrive, tracking traffic comes back over
HTTP, spread over both servers: 40 % of the recipients open (one in five opens twice, on the
other server), a quarter of those click.

The data: journey "Welcome" (everyone in the audience: one email; opened -> tag; clicked ->
tag), segment "Engaged" (score of at least 3, i.e. opened), journey "Engaged follow-up" (the
segment's members: a tag). When everything has drained, the servers are stopped and this
process counts; any difference fails the run (exit 1):

- every contact received exactly one email, no trace or message twice;
- the "opened" and "clicked" branches ran exactly for the contacts who opened / clicked over
  HTTP, once each, and their tags are on exactly those contacts;
- one open touchpoint per opened message, however many times the pixel was hit;
- the stored scores and grades equal a single-process full recompute (same database, rolled back);
- the segment holds exactly the contacts with a score of 3 or more, and each of them entered
  the follow-up journey once.
"""

import argparse
import collections
import email
import email.policy
import logging
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from aiosmtpd.controller import Controller

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

PREFIX = "mp-"
OPEN_SHARE, DOUBLE_OPEN_SHARE, CLICK_SHARE = 0.40, 0.20, 0.25
PIXEL = re.compile(r"""https?://[^"'\s<>]+/mail/track/\d+/[^"'\s<>/]+/blank\.gif""")
REDIRECT = re.compile(r"""https?://[^"'\s<>]+/r/[A-Za-z0-9]+/m/\d+""")


def log(message):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


class Sink:
    """A real SMTP server: counts messages per (recipient, subject), hands tracking URLs to the driver."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = collections.Counter()
        self.unparsed = 0
        self.arrivals = queue.Queue()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(("html", "plain"))
        html = body.get_content() if body else ""
        subject = str(message["subject"])
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received[(recipient.lower(), subject)] += 1
        pixel = PIXEL.search(html)
        if not pixel:
            self.unparsed += 1
        for recipient in envelope.rcpt_tos:
            self.arrivals.put((recipient.lower(), pixel.group(0) if pixel else None, REDIRECT.findall(html)))
        return "250 OK"


class Driver:
    """Tracking traffic over HTTP: opens and clicks, spread over both servers."""

    def __init__(self, sink, ports, threads=4, seed=7):
        self.sink, self.ports, self.seed = sink, ports, seed
        self.opened, self.clicked, self.errors = set(), set(), []
        self.hits = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        urllib.request.install_opener(urllib.request.build_opener(NoRedirect))  # for urlopen, once
        self.threads = [threading.Thread(target=self.run, daemon=True) for _i in range(threads)]
        for thread in self.threads:
            thread.start()

    def on_server(self, url, port):
        return re.sub(r"^https?://[^/]+", "http://127.0.0.1:%d" % port, url)

    def get(self, url):
        request = urllib.request.Request(url, headers={"User-Agent": "multiprocess-check"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback only)
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError as error:  # refused, reset, timed out: a server is down, which fails the run
            with self.lock:
                self.errors.append("%s -> %s" % (url, error))
            return 599

    def run(self):
        while not (self.stop.is_set() and self.sink.arrivals.empty()):
            try:
                recipient, pixel, links = self.sink.arrivals.get(timeout=0.5)
            except queue.Empty:
                continue
            rng = random.Random("%s-%s" % (self.seed, recipient))
            if not pixel or rng.random() >= OPEN_SHARE:
                continue
            ports = list(self.ports)
            rng.shuffle(ports)
            hits = [(pixel, ports[0])]
            if rng.random() < DOUBLE_OPEN_SHARE:
                hits.append((pixel, ports[1]))
            click = links and rng.random() < CLICK_SHARE
            if click:
                hits.append((links[0], ports[-1]))
            answered = []
            for url, port in hits:
                status = self.get(self.on_server(url, port))
                answered.append(status < 400)
                with self.lock:
                    self.hits += 1
                    if 400 <= status < 599:
                        self.errors.append("%s -> %s" % (url, status))
            # only what a server took counts (a click opens too); a refused hit is already an error
            with self.lock:
                if any(answered):
                    self.opened.add(recipient)
                if click and answered[-1]:
                    self.clicked.add(recipient)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """The link redirect answers 30x to example.com: record the answer, never leave loopback."""

    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def setup(env, contacts, base_url):
    """Contacts, a welcome journey with branches, an engaged segment and its follow-up journey."""
    params = env["ir.config_parameter"].sudo()
    params.set_param("web.base.url", base_url)
    params.set_param("web.base.url.freeze", "True")
    # every cron of the addon overlaps the others: the segment refresh every minute, the
    # nightly rescore every three minutes
    for xmlid, minutes in (
        ("marketing_automation_ext.ir_cron_marketing_segments", 1),
        ("marketing_automation_ext.ir_cron_marketing_rescore", 3),
    ):
        env.ref(xmlid).write({"interval_number": minutes, "interval_type": "minutes"})
    Partner = env["res.partner"].with_context(tracking_disable=True, mail_create_nolog=True)
    for start in range(0, contacts, 5000):
        Partner.create(
            [
                {"name": "MP contact %d" % i, "email": "%s%d@example.com" % (PREFIX, i)}
                for i in range(start, min(contacts, start + 5000))
            ]
        )
        env.cr.commit()
    tags = {
        name: env["res.partner.category"].create({"name": name}) for name in ("mp-opened", "mp-clicked", "mp-engaged")
    }
    welcome = env["marketing.workflow"].create(
        {
            "name": "MP Welcome",
            "trigger": "audience",
            "quiet_hours": False,
            "domain": "[('email', '=like', '%s%%@example.com')]" % PREFIX,
        }
    )
    mailing = env["mailing.mailing"].create(
        {
            "name": "MP Welcome",
            "subject": "MP Welcome",
            "email_from": "Marketing <marketing@example.com>",
            "body_html": '<p>Hello <t t-out="object.name"/>, <a href="https://example.com/offer">see the offer</a></p>',
            "marketing_workflow_id": welcome.id,
        }
    )
    root = env["marketing.workflow.step"].create(
        {"name": "Welcome email", "workflow_id": welcome.id, "action_type": "email", "mailing_id": mailing.id}
    )
    for condition, tag in (("opened", "mp-opened"), ("clicked", "mp-clicked")):
        env["marketing.workflow.step"].create(
            {
                "name": "Tag %s" % tag,
                "workflow_id": welcome.id,
                "parent_id": root.id,
                "condition": condition,
                "window_amount": 30,
                "window_unit": "days",
                "action_type": "tag_add",
                "partner_tag_ids": [(6, 0, tags[tag].ids)],
            }
        )
    segment = env["marketing.segment"].create(
        {
            "name": "MP Engaged",
            "model_name": "res.partner",
            "segment_type": "dynamic",
            "domain": "[('email', '=like', '%s%%@example.com')]" % PREFIX,
            "filter_score": True,
            "score_min": 3,
            "score_max": 1000,
        }
    )
    follow_up = env["marketing.workflow"].create(
        {"name": "MP Engaged follow-up", "trigger": "audience", "quiet_hours": False, "segment_id": segment.id}
    )
    env["marketing.workflow.step"].create(
        {
            "name": "Tag engaged",
            "workflow_id": follow_up.id,
            "action_type": "tag_add",
            "partner_tag_ids": [(6, 0, tags["mp-engaged"].ids)],
        }
    )
    segment._refresh()
    welcome.action_start()
    follow_up.action_start()
    env.cr.commit()
    return welcome.id, follow_up.id, segment.id, {name: tag.id for name, tag in tags.items()}


def server(config, db, port, workers, log_path):
    odoo_bin = os.path.join(odoo.tools.config["root_path"], "..", "odoo-bin")
    command = [
        sys.executable,
        odoo_bin,
        "-c",
        config,
        "-d",
        db,
        "--db-filter=^%s$" % db,
        "--http-port=%d" % port,
        "--workers=%d" % workers,
        "--max-cron-threads=2",
        "--log-level=warn",
        "--logfile=%s" % log_path,
    ]
    # cron workers and threads run due jobs back to back while work remains: with the default
    # limits (limit_time_real_cron follows limit_time_real: 120 s) a loaded server kills or stops
    # them mid-job (a threaded server even restarts itself); the README's advice is no real-time
    # limit for crons
    # (a positive value: 0 means none for prefork cron workers, but a threaded server's cron
    # threads then fall back to --limit-time-real; at the limit it closed a cron's cursor between
    # an SMTP send and the commit, and the message went out twice)
    command += ["--limit-time-real-cron=3600"]
    if workers:
        command += ["--limit-time-real=600", "--limit-time-cpu=3600", "--limit-memory-hard=4294967296"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)


def wait_http(port, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/web/login" % port, timeout=5):  # noqa: S310
                return
        except Exception:  # noqa: BLE001 (not up yet)
            time.sleep(1)
    raise SystemExit("server on port %d did not answer within %d s" % (port, timeout))


def progress(cr, welcome_id, follow_up_id, segment_id):
    cr.execute(
        """SELECT
             (SELECT count(*) FROM marketing_workflow_participant WHERE workflow_id = %(w)s),
             (SELECT count(*) FROM marketing_workflow_trace WHERE workflow_id IN (%(w)s, %(f)s)
                 AND state IN ('scheduled', 'sending') AND schedule_date <= now() at time zone 'utc'),
             (SELECT count(*) FROM mail_mail m JOIN mailing_mailing g ON g.id = m.mailing_id
                 WHERE g.marketing_workflow_id = %(w)s AND m.state = 'outgoing'),
             (SELECT count(*) FROM marketing_event_queue),
             (SELECT count(*) FROM marketing_workflow_event_queue),
             (SELECT count(*) FROM marketing_segment_member WHERE segment_id = %(s)s AND date_exited IS NULL),
             (SELECT count(*) FROM marketing_workflow_participant WHERE workflow_id = %(f)s)""",
        {"w": welcome_id, "f": follow_up_id, "s": segment_id},
    )
    return cr.fetchone()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--contacts", type=int, default=50000)
    parser.add_argument("--port-a", type=int, default=8369)
    parser.add_argument("--port-b", type=int, default=8370)
    parser.add_argument("--smtp-port", type=int, default=2599)
    parser.add_argument("--logdir", default=".")
    parser.add_argument("--timeout", type=int, default=3600)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--no-http", "--log-level=warn"])
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's own log, one line per command
    registry = Registry(args.db)
    started = time.time()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        welcome_id, follow_up_id, segment_id, tag_ids = setup(env, args.contacts, "http://127.0.0.1:%d" % args.port_a)
    log("set up %d contacts, two journeys and a segment in %.0f s" % (args.contacts, time.time() - started))

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=args.smtp_port)
    controller.start()
    driver = Driver(sink, (args.port_a, args.port_b))
    logs = [os.path.join(args.logdir, "multiprocess-%s.log" % name) for name in ("a", "b")]
    for path in logs:  # odoo-bin appends to its log file
        open(path, "w").close()
    servers = [
        server(args.config, args.db, args.port_a, 4, logs[0]),
        server(args.config, args.db, args.port_b, 0, logs[1]),
    ]
    failures = []
    try:
        for port in (args.port_a, args.port_b):
            wait_http(port)
        log(
            "servers up: A (4 workers, 2 cron threads) on %d, B (threaded, 2 cron threads) on %d"
            % (args.port_a, args.port_b)
        )
        run_started = time.time()
        stable, last = 0, None
        while True:
            time.sleep(10)
            with registry.cursor() as cr:
                state = progress(cr, welcome_id, follow_up_id, segment_id)
            participants, due, outgoing, events, journey_events, members, followers = state
            received = sum(sink.received.values())
            log(
                "participants %d, due steps %d, queued mails %d, received %d, opens %d (hits %d), "
                "touchpoints waiting %d/%d, segment %d, follow-up %d"
                % (
                    participants,
                    due,
                    outgoing,
                    received,
                    len(driver.opened),
                    driver.hits,
                    events,
                    journey_events,
                    members,
                    followers,
                )
            )
            settled = (
                participants == args.contacts
                and received >= args.contacts
                and not due
                and not outgoing
                and not events
                and not journey_events
                and sink.arrivals.empty()
                and members == followers
            )
            stable = stable + 1 if settled and state == last else 0
            last = state
            if stable >= 3:
                break
            if time.time() - run_started > args.timeout:
                failures.append("did not settle within %d s: %s" % (args.timeout, state))
                break
        elapsed = time.time() - run_started
    finally:
        driver.stop.set()
        for thread in driver.threads:
            thread.join(timeout=60)
        for process in servers:
            os.killpg(process.pid, signal.SIGTERM)
        for process in servers:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        controller.stop()
    log(
        "drained in %.0f s: %d messages received (%.1f/s), %d tracking hits over HTTP"
        % (elapsed, sum(sink.received.values()), sum(sink.received.values()) / max(elapsed, 1), driver.hits)
    )
    failures += check(registry, args.contacts, sink, driver, welcome_id, follow_up_id, segment_id, tag_ids)
    failures += ["HTTP %s" % error for error in driver.errors[:5]]
    conflicts = 0
    for path in logs:
        retried, errors = server_log_errors(path)
        conflicts += retried
        if errors:
            failures.append("%s logged %d errors, first: %s" % (path, len(errors), errors[0][:300]))
    log(
        "concurrent updates PostgreSQL refused and the addon retried later (Odoo logs each as a bad query): %d"
        % conflicts
    )
    for failure in failures:
        log("FAILED: %s" % failure)
    log("multiprocess check: %s" % ("FAILED" if failures else "ok"))
    sys.exit(1 if failures else 0)


def server_log_errors(path):
    """(concurrency refusals, other errors) in a server log: the first are retried, the others fail the run."""
    retried, errors = 0, []
    with open(path, encoding="utf-8", errors="replace") as handle:
        lines = handle.read().splitlines()
    for number, line in enumerate(lines):
        if " ERROR " not in line:  # a log record (its traceback follows it)
            continue
        following = " ".join(lines[number : number + 3])
        if "bad query" in line and ("could not serialize access" in following or "deadlock detected" in following):
            retried += 1
        else:
            errors.append(line.strip())
    return retried, errors


def check(registry, contacts, sink, driver, welcome_id, follow_up_id, segment_id, tag_ids):
    failures = []

    def expect(label, got, wanted):
        status = "ok" if got == wanted else "DIFFERENT"
        log("%-62s %10s  (expected %s) %s" % (label, got, wanted, status))
        if got != wanted:
            failures.append("%s: %s, expected %s" % (label, got, wanted))

    per_recipient = collections.Counter()
    for (recipient, _subject), count in sink.received.items():
        per_recipient[recipient] += count
    expect("contacts who received the welcome email", len(per_recipient), contacts)
    expect("contacts who received it more than once", sum(1 for n in per_recipient.values() if n > 1), 0)
    expect("messages without a tracking pixel", sink.unparsed, 0)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute(
            """SELECT s.condition, count(*) FILTER (WHERE t.state = 'processed'),
                      count(DISTINCT t.participant_id) FILTER (WHERE t.state = 'processed'),
                      count(*), count(*) FILTER (WHERE t.state IN ('error', 'rejected'))
                 FROM marketing_workflow_trace t JOIN marketing_workflow_step s ON s.id = t.step_id
                WHERE t.workflow_id = %s GROUP BY s.condition""",
            [welcome_id],
        )
        steps = {row[0]: row[1:] for row in cr.fetchall()}
        root = steps.get("after", (0, 0, 0, 0))
        expect("welcome email steps (done, distinct participants, all)", root[:3], (contacts,) * 3)
        expect("welcome email steps failed or rejected", root[3], 0)
        cr.execute(
            """SELECT count(*), count(DISTINCT mt.marketing_workflow_trace_id) FROM mailing_trace mt
                 JOIN marketing_workflow_trace t ON t.id = mt.marketing_workflow_trace_id WHERE t.workflow_id = %s""",
            [welcome_id],
        )
        expect("mailing traces (all, distinct journey steps)", cr.fetchone(), (contacts, contacts))
        opened = driver.opened
        clicked = driver.clicked
        for condition, wanted, tag in (("opened", opened, "mp-opened"), ("clicked", clicked, "mp-clicked")):
            done, distinct, _all, failed = steps.get(condition, (0, 0, 0, 0))
            expect(
                "'%s' branch steps (done, distinct participants, failed)" % condition,
                (done, distinct, failed),
                (len(wanted), len(wanted), 0),
            )
            cr.execute(
                """SELECT lower(p.email) FROM res_partner p
                     JOIN res_partner_res_partner_category_rel r ON r.partner_id = p.id WHERE r.category_id = %s""",
                [tag_ids[tag]],
            )
            tagged = {row[0] for row in cr.fetchall()}
            expect("contacts tagged %s but not %s over HTTP" % (tag, condition), len(tagged - wanted), 0)
            expect("contacts %s over HTTP but not tagged %s" % (condition, tag), len(wanted - tagged), 0)
        cr.execute(
            """SELECT count(*), count(DISTINCT e.mailing_trace_id) FROM marketing_event e
                 JOIN mailing_trace mt ON mt.id = e.mailing_trace_id
                 JOIN marketing_workflow_trace t ON t.id = mt.marketing_workflow_trace_id
                WHERE t.workflow_id = %s AND e.event_type = 'email_open'""",
            [welcome_id],
        )
        expect("open touchpoints (all, distinct messages)", cr.fetchone(), (len(opened), len(opened)))
        # scores: what the processes stored against one full recompute in this process
        query = "SELECT id, marketing_score, marketing_grade FROM res_partner WHERE email LIKE %s ORDER BY id"
        cr.execute(query, [PREFIX + "%"])
        stored = cr.fetchall()
        cr.execute("SAVEPOINT recompute")
        env["marketing.score.rule"]._rescore()
        cr.execute(query, [PREFIX + "%"])
        recomputed = cr.fetchall()
        cr.execute("ROLLBACK TO SAVEPOINT recompute")
        differences = [(a, b) for a, b in zip(stored, recomputed, strict=True) if a != b]
        expect("contacts whose stored score differs from a full recompute", len(differences), 0)
        if differences:
            log("first differences (stored, recomputed): %s" % differences[:5])
        engaged = {row[0] for row in stored if row[1] >= 3}
        expect("contacts with a score of 3 or more (one per opener)", len(engaged), len(opened))
        cr.execute(
            "SELECT partner_id FROM marketing_segment_member WHERE segment_id = %s AND date_exited IS NULL",
            [segment_id],
        )
        members = {row[0] for row in cr.fetchall()}
        expect("segment members who should not be in it", len(members - engaged), 0)
        expect("engaged contacts missing from the segment", len(engaged - members), 0)
        cr.execute(
            """SELECT count(*), count(DISTINCT p.res_id), count(t.id) FILTER (WHERE t.state = 'processed')
                 FROM marketing_workflow_participant p
                 LEFT JOIN marketing_workflow_trace t ON t.participant_id = p.id
                WHERE p.workflow_id = %s""",
            [follow_up_id],
        )
        expect("follow-up journey (participants, distinct contacts, steps done)", cr.fetchone(), (len(members),) * 3)
    return failures


if __name__ == "__main__":
    main()
