"""A journey email opened while Odoo's mail queue is still sending it goes out once.

Mail scanners fetch the open pixel the moment a message is delivered: before Odoo's queue has
marked it sent and committed. Before the fix that hit changed the mailing trace first, the
queue's own update then failed ("could not serialize access"), the batch rolled back with the
message still outgoing, and the next run sent it again. Here a real SMTP server (aiosmtpd)
holds its answer until the "scanner" (another thread, its own transaction, retried on
concurrency errors as Odoo retries requests) has recorded the open or two seconds passed.
Plain pytest with real commits on the test database (cleaned up afterwards).
"""

import asyncio
import threading
import time

from aiosmtpd.controller import Controller
from real_transactions import real_registry, superuser_env

from odoo import fields
from odoo.addons.marketing_automation_ext.tests.smtp_server import free_port, really_send
from odoo.service.model import retrying
from odoo.tools import mute_logger

PREFIX = "opened-while-sending-test"


class ScannerSink:
    """Accepts each message, then lets a 'scanner' open it before answering (at most 2 s)."""

    def __init__(self, registry):
        self.registry = registry
        self.messages = []
        self.mail_id = None
        self.opens = []

    def scan(self, done):
        with self.registry.cursor() as cr:
            env = superuser_env(cr)
            retrying(lambda: env["mailing.trace"].set_opened(domain=[("mail_mail_id_int", "=", self.mail_id)]), env)
        self.opens.append(time.time())
        done.set()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        done = threading.Event()
        threading.Thread(target=self.scan, args=(done,), daemon=True).start()
        for _i in range(20):  # the server answers once the scanner is through, or after 2 s
            if done.is_set():
                break
            await asyncio.sleep(0.1)
        return "250 OK"


def _cleanup(registry):
    with registry.cursor() as cr:
        env = superuser_env(cr)
        workflows = env["marketing.workflow"].with_context(active_test=False).search([("name", "=like", PREFIX + "%")])
        mailings = env["mailing.mailing"].search([("marketing_workflow_id", "in", workflows.ids)])
        cr.execute("DELETE FROM mail_mail WHERE mailing_id = ANY(%s)", [mailings.ids])
        cr.execute("DELETE FROM mailing_trace WHERE mass_mailing_id = ANY(%s)", [mailings.ids])
        workflows.unlink()
        mailings.unlink()
        env["ir.mail_server"].search([("name", "=like", PREFIX + "%")]).unlink()
        env["res.partner"].search([("name", "=like", PREFIX + "%")]).unlink()


def test_email_opened_at_delivery_is_sent_once():
    registry = real_registry()
    _cleanup(registry)
    sink = ScannerSink(registry)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with registry.cursor() as cr:
            env = superuser_env(cr)
            env["ir.mail_server"].create(
                {"name": PREFIX, "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_encryption": "none", "sequence": 0}
            )
            partner = env["res.partner"].create({"name": PREFIX, "email": "scanned@opened.example.com"})
            workflow = env["marketing.workflow"].create(
                {"name": PREFIX, "model_name": "res.partner", "trigger": "manual", "quiet_hours": False}
            )
            mailing = env["mailing.mailing"].create(
                {"name": PREFIX, "subject": PREFIX, "body_html": "<p>Hello</p>", "marketing_workflow_id": workflow.id}
            )
            env["marketing.workflow.step"].create(
                {"name": "Email", "workflow_id": workflow.id, "action_type": "email", "mailing_id": mailing.id}
            )
            workflow.action_start()
            workflow.enrol(partner.ids)
            env["marketing.workflow.trace"]._process_due(fields.Datetime.now(), 10)
            mail = env["mail.mail"].search([("mailing_id", "=", mailing.id)])
            assert len(mail) == 1 and mail.state == "outgoing"
            sink.mail_id = mail.id

        with really_send(), mute_logger("odoo.sql_db", "odoo.addons.mail.models.mail_mail"):
            for _run in range(3):  # the queue's cron, run again while the message is still outgoing
                with registry.cursor() as cr:
                    try:
                        superuser_env(cr)["mail.mail"].browse(sink.mail_id).send(auto_commit=True)
                    except Exception:  # noqa: BLE001 (the failed run is rolled back, as ir.cron does)
                        cr.rollback()
                deadline = time.time() + 10
                while len(sink.opens) < len(sink.messages) and time.time() < deadline:
                    time.sleep(0.1)

        assert len(sink.messages) == 1, "the message was sent %d times" % len(sink.messages)
        with registry.cursor() as cr:
            cr.execute(
                "SELECT trace_status, sent_datetime IS NOT NULL, open_datetime IS NOT NULL FROM mailing_trace"
                " WHERE mail_mail_id_int = %s",
                [sink.mail_id],
            )
            assert cr.fetchall() == [("open", True, True)], "sent, then opened"
    finally:
        controller.stop()
        _cleanup(registry)
