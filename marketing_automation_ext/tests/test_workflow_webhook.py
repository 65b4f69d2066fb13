import json
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tests.common import _super_send

from .workflow_common import WorkflowCommon


class Receiver(BaseHTTPRequestHandler):
    """/ok answers 200, /fail answers 500, /slow answers after 3 seconds."""

    received = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.path, self.headers.get("Idempotency-Key"), json.loads(body)))
        if self.path == "/slow":
            time.sleep(3)
        self.send_response(500 if self.path == "/fail" else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install", "marketing_automation")
class TestJourneyWebhook(WorkflowCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.server.shutdown)
        cls.base = "http://127.0.0.1:%s" % cls.server.server_address[1]

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo's test harness raises every timeout to 10 s; the webhook's own timeout is under test here
        if r.url.startswith(cls.base):
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def setUp(self):
        super().setUp()
        Receiver.received = []

    def _journey(self, path, timeout=5):
        workflow = self.Workflow.create({"name": "Hook", "trigger": "manual", "quiet_hours": False})
        step = self.Step.create(
            {
                "name": "Tell the CRM",
                "workflow_id": workflow.id,
                "action_type": "webhook",
                "webhook_url": self.base + path,
                "webhook_timeout": timeout,
            }
        )
        workflow.action_start()
        return workflow, step

    def test_webhook_posts_json_once_per_participant(self):
        workflow, step = self._journey("/ok")
        workflow.enrol((self.partner_anna | self.partner_bob).ids)
        self.env["marketing.workflow"]._run_now()
        self.env["marketing.workflow"]._run_now()
        self.assertEqual(len(Receiver.received), 2)
        payloads = {payload["id"]: (key, payload) for _path, key, payload in Receiver.received}
        key, anna = payloads[self.partner_anna.id]
        self.assertEqual(anna["email"], "anna.buyer@example.com")
        self.assertEqual(anna["step"], "Tell the CRM")
        self.assertTrue(key.startswith("trace-"))
        self.assertEqual(set(step.trace_ids.mapped("state")), {"processed"})

    def test_failing_webhook_is_retried_then_recorded(self):
        workflow, step = self._journey("/fail")
        workflow.enrol(self.partner_anna.ids)
        start = datetime.now()
        for minutes in (0, 2, 5, 10):
            with freeze_time(start + timedelta(minutes=minutes)):
                self.env["marketing.workflow"]._run_now()
        trace = self.env["marketing.workflow.trace"].search([("step_id", "=", step.id)])
        self.assertEqual(len(Receiver.received), 3, "three attempts")
        self.assertEqual(trace.state, "error")
        self.assertEqual(trace.note, "Webhook failed: HTTP 500")
        self.assertEqual(workflow.participant_ids.state, "completed")

    def test_slow_webhook_times_out_without_holding_the_batch(self):
        workflow, step = self._journey("/slow", timeout=1)
        ok = self.Step.create({"name": "Task", "workflow_id": workflow.id, "action_type": "activity"})
        workflow.enrol(self.partner_anna.ids)
        started = time.monotonic()
        self.env["marketing.workflow"]._cron_process()
        self.assertLess(time.monotonic() - started, 2.5, "the timeout, not the server, decides")
        trace = step.trace_ids
        self.assertEqual(trace.state, "scheduled", "retried later")
        self.assertIn("timed out", trace.note)
        self.assertEqual(ok.trace_ids.state, "processed", "the rest of the batch went on")
