"""Every public route the addon's tracking hangs on, fed random input over real HTTP (hypothesis):
the answer is 2xx, 3xx or 4xx, nothing is logged as an error, and a rejected request stores
nothing (touchpoints, their queue, mailing trace states, clicks, blocklists, opt-outs)."""

import json
import logging
from contextlib import contextmanager
from urllib.parse import quote, unquote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, tagged

FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,  # no example database written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# ids as a URL carries them: small, real-looking, and past PostgreSQL's integer
ids = st.one_of(st.integers(min_value=0, max_value=3000), st.integers(min_value=0, max_value=2**31 - 1))
# path segments and query values: any text, including quotes, NUL-free unicode, SQL and markup
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)
emails = st.one_of(texts, st.emails())
# JSON values of any shape, for the JSON routes' parameters
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**40), max_value=2**40) | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=10,
)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def segment(value):
    return quote(value, safe="") or "x"


def refused(url, *codes):
    """The answers refusing ``url``: a text starting or ending with "/" makes "//" in the decoded
    path, which Odoo's http_routing (with a website) redirects to the normalised path before any
    route runs."""
    return (301, *codes) if "//" in unquote(url.split("?")[0]) else codes


@tagged("post_install", "-at_install", "marketing_automation")
class TestPublicRoutesFuzz(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create(
            {"name": "Fuzz Target", "email": "fuzz.target@example.com", "phone": "+32 456 77 88 99"}
        )
        cls.link = cls.env["link.tracker"].create({"url": "https://www.example.com/offer"})
        Mailing = cls.env["mailing.mailing"]
        cls.mailing = Mailing.create(
            {"subject": "Fuzz", "body_html": "<p>Hi</p>", "mailing_model_id": cls.env.ref("base.model_res_partner").id}
        )
        cls.sms_mailing = Mailing.create(
            {
                "subject": "Fuzz SMS",
                "mailing_type": "sms",
                "body_plaintext": "Hi",
                "mailing_model_id": cls.env.ref("base.model_res_partner").id,
            }
        )
        Trace = cls.env["mailing.trace"]
        cls.trace = Trace.create(
            {
                "model": "res.partner",
                "res_id": cls.partner.id,
                "mass_mailing_id": cls.mailing.id,
                "email": cls.partner.email,
                "mail_mail_id_int": 987654,
                "trace_status": "sent",
            }
        )
        cls.sms_trace = Trace.create(
            {
                "model": "res.partner",
                "res_id": cls.partner.id,
                "mass_mailing_id": cls.sms_mailing.id,
                "trace_type": "sms",
                "sms_number": "+32456778899",
                "sms_code": "fuzzcode",
                "sms_id_int": 876543,
                "trace_status": "sent",
            }
        )
        cls.real_ids = [cls.mailing.id, cls.sms_mailing.id, cls.trace.id, cls.sms_trace.id, 987654, 876543]

    def setUp(self):
        super().setUp()
        self.handler = _Collect()
        logging.getLogger().addHandler(self.handler)
        self.addCleanup(logging.getLogger().removeHandler, self.handler)

    # ------------------------------------------------------------------

    def stored(self):
        """What a request could have changed, as counts."""
        self.env.flush_all()
        cr = self.env.cr
        figures = {}
        for name, query in (
            ("events", "SELECT count(*) FROM marketing_event"),
            ("queued", "SELECT count(*) FROM marketing_event_queue"),
            ("clicks", "SELECT count(*) FROM link_tracker_click"),
            ("blacklist", "SELECT count(*) FROM mail_blacklist WHERE active"),
            ("phone_blacklist", "SELECT count(*) FROM phone_blacklist WHERE active"),
            ("opt_outs", "SELECT count(*) FROM mailing_subscription WHERE opt_out"),
            (
                "sms_states",
                "SELECT string_agg(state || ':' || n, ',' ORDER BY state) FROM "
                "(SELECT state, count(*) n FROM sms_sms GROUP BY state) s",
            ),
            (
                "trace_states",
                "SELECT string_agg(trace_status || ':' || n, ',' ORDER BY trace_status) FROM "
                "(SELECT trace_status, count(*) n FROM mailing_trace GROUP BY trace_status) s",
            ),
        ):
            cr.execute(query)
            figures[name] = cr.fetchone()[0]
        return figures

    @contextmanager
    def rejected(self, what):
        """The request inside is refused or ignored: a clean status, no error logged, nothing stored."""
        before = self.stored()
        del self.handler.records[:]
        yield
        self.assertEqual(self.stored(), before, "%s stored something" % what)
        errors = [
            "%s %s: %s" % (r.levelname, r.name, r.getMessage())
            for r in self.handler.records
            if r.levelno >= logging.ERROR or r.name.startswith("odoo.addons.marketing_automation_ext")
        ]
        self.assertFalse(errors, "%s logged: %s" % (what, errors))

    def assertCleanStatus(self, response, what):
        self.assertLess(response.status_code, 500, "%s answered %s" % (what, response.status_code))

    def get(self, url):
        response = self.url_open(url, allow_redirects=False)
        self.assertCleanStatus(response, url)
        return response

    def post_json(self, url, params):
        response = self.url_open(
            url,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
            allow_redirects=False,
        )
        self.assertCleanStatus(response, url)
        return response

    # ------------------------------------------------------------------
    # controls: a valid request does store, so the counts above can see it

    def test_control_valid_open_and_click_are_stored(self):
        token = self.env["mail.mail"]._generate_mail_recipient_token(987654)
        before = self.stored()
        response = self.get("/mail/track/987654/%s/blank.gif" % token)
        self.assertEqual(response.status_code, 200)
        response = self.get("/r/%s/m/%s" % (self.link.code, self.trace.id))
        self.assertEqual(response.status_code, 301)
        after = self.stored()
        self.assertEqual(after["clicks"], before["clicks"] + 1)
        self.assertGreater(after["queued"], before["queued"])
        self.assertNotEqual(after["trace_states"], before["trace_states"])

    # ------------------------------------------------------------------
    # the routes, fuzzed

    @FUZZ
    @given(mail_id=st.one_of(st.sampled_from([987654]), ids), token=texts)
    def test_open_pixel(self, mail_id, token):
        url = "/mail/track/%s/%s/blank.gif" % (mail_id, segment(token))
        with self.rejected(url):
            self.assertIn(self.get(url).status_code, refused(url, 401, 404), url)

    @FUZZ
    @given(code=texts, trace_id=st.one_of(st.sampled_from([0]), ids), query=st.dictionaries(texts, texts, max_size=3))
    def test_link_redirect_unknown_code(self, code, trace_id, query):
        code = "zz" + code  # never a real code (they are short alphanumerics)
        url = "/r/%s/m/%s?%s" % (segment(code), trace_id, urlencode(query))
        with self.rejected(url):
            self.assertIn(self.get(url).status_code, refused(url, 404), url)

    @FUZZ
    @given(trace_id=ids.filter(lambda i: i not in (0,)))
    def test_link_redirect_real_code_unknown_trace(self, trace_id):
        """A real link with a trace id that is not a mailing trace: the visitor is redirected,
        no touchpoint is made up for someone."""
        if self.env["mailing.trace"].browse(trace_id).exists():
            return
        url = "/r/%s/m/%s" % (self.link.code, trace_id)
        before = self.stored()
        response = self.get(url)
        self.assertEqual(response.status_code, 301)
        after = self.stored()
        after["clicks"] -= 1  # Odoo counts the anonymous click on the link itself
        self.assertEqual(after, before)

    @FUZZ
    @given(code=texts, sms_id=ids)
    def test_sms_link_redirect(self, code, sms_id):
        url = "/r/%s/s/%s" % (segment("zz" + code), sms_id)
        with self.rejected(url):
            self.assertIn(self.get(url).status_code, refused(url, 404), url)

    @FUZZ
    @given(
        mailing_id=st.one_of(st.sampled_from([0]), ids),
        email=emails,
        hash_token=texts,
        document_id=st.one_of(st.none(), ids.map(str), texts),
        route=st.sampled_from(["unsubscribe", "confirm_unsubscribe", "view"]),
    )
    def test_unsubscribe_pages(self, mailing_id, email, hash_token, document_id, route):
        if mailing_id == 0:
            mailing_id = self.mailing.id
        params = {"email": email, "hash_token": hash_token}
        if document_id is not None:
            params["document_id"] = document_id
        url = "/mailing/%s/%s?%s" % (mailing_id, route, urlencode(params))
        with self.rejected(url):
            response = self.get(url)
            # nothing about the real recipient shows on a page asked for with a wrong token
            self.assertNotIn("fuzz.target@example.com", response.text)
            self.assertNotIn("Fuzz Target", response.text)

    @FUZZ
    @given(mailing_id=st.one_of(st.sampled_from([0]), ids), email=emails, hash_token=texts)
    def test_unsubscribe_oneclick(self, mailing_id, email, hash_token):
        mailing_id = mailing_id or self.mailing.id
        url = "/mailing/%s/unsubscribe_oneclick?%s" % (
            mailing_id,
            urlencode({"email": email, "hash_token": hash_token, "document_id": self.partner.id}),
        )
        with self.rejected(url):
            response = self.url_open(url, data={"List-Unsubscribe": "One-Click"}, allow_redirects=False)
            self.assertCleanStatus(response, url)

    @FUZZ
    @given(
        route=st.sampled_from(
            ["/mailing/blocklist/add", "/mailing/blocklist/remove", "/mailing/feedback", "/mailing/list/update"]
        ),
        params=st.fixed_dictionaries(
            {},
            optional={
                "mailing_id": st.one_of(st.sampled_from([0]), ids, json_values),
                "document_id": st.one_of(ids, json_values),
                "email": st.one_of(emails, json_values),
                "hash_token": st.one_of(texts, json_values),
                "lists_optin_ids": json_values,
                "last_action": json_values,
                "feedback": json_values,
                "opt_out_reason_id": json_values,
            },
        ),
    )
    def test_subscription_json_routes(self, route, params):
        if params.get("mailing_id") == 0:
            params["mailing_id"] = self.mailing.id
            params["document_id"] = self.partner.id
            params["email"] = "fuzz.target@example.com"
        with self.rejected(route):
            response = self.post_json(route, params)
            self.assertNotIn("Fuzz Target", response.text)

    @FUZZ
    @given(
        mailing_id=st.one_of(st.sampled_from([0]), ids),
        trace_code=texts,
        unsubscribe=st.booleans(),
        number=st.one_of(texts, st.sampled_from(["+32456778899"])),
    )
    def test_sms_unsubscribe_pages(self, mailing_id, trace_code, unsubscribe, number):
        mailing_id = mailing_id or self.sms_mailing.id
        code = segment("zz" + trace_code)
        url = (
            "/sms/%s/unsubscribe/%s?%s" % (mailing_id, code, urlencode({"sms_number": number}))
            if unsubscribe
            else "/sms/%s/%s" % (mailing_id, code)
        )
        with self.rejected(url):
            response = self.get(url)
            self.assertNotIn("+32456778899", response.text)

    @FUZZ
    @given(
        message_statuses=st.one_of(
            json_values,
            st.lists(
                st.fixed_dictionaries(
                    {
                        "sms_status": st.one_of(
                            st.sampled_from(["delivered", "sent", "not_delivered", "expired"]), texts
                        ),
                        "uuids": st.lists(texts, max_size=3),
                    }
                ),
                max_size=3,
            ),
        )
    )
    def test_sms_delivery_report(self, message_statuses):
        with self.rejected("/sms/status"):
            self.post_json("/sms/status", {"message_statuses": message_statuses})
