"""Who may read and write what, table-driven: public visitor, portal user, salesperson (own leads
only), Marketing Automation user and manager, in two companies. The model rights come from
security/ir.model.access.csv, the rows each one sees from the record rules."""

import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import MarketingCommon

OPERATIONS = ("read", "write", "create", "unlink")
NONE, R, RC, RW, RWCU, RCU, RWU = "", "r", "rc", "rw", "rwcu", "rcu", "rwu"
# model -> {role: rights}; a role not named has no right at all
RIGHTS = {
    "marketing.event": {"salesman": R, "user": RC, "manager": RCU},
    "marketing.score.rule": {"salesman": R, "user": R, "manager": RWCU},
    "marketing.score.history": {"salesman": R, "user": R, "manager": R},
    "marketing.segment": {"salesman": R, "user": RWCU, "manager": RWCU},
    "marketing.segment.member": {"salesman": R, "user": RC, "manager": RC},
    "marketing.workflow": {"salesman": R, "user": RWCU, "manager": RWCU},
    "marketing.workflow.step": {"salesman": R, "user": RWCU, "manager": RWCU},
    "marketing.workflow.participant": {"salesman": R, "user": RW, "manager": RWU},
    "marketing.workflow.trace": {"salesman": R, "user": R, "manager": R},
    "marketing.event.queue": {"manager": R},
    "marketing.workflow.event.queue": {"manager": R},
    # the settings page (frequency cap, retries, grades) is Odoo's: administrators only
    "res.config.settings": {"admin": "rwc"},
}
ROLES = ("public", "portal", "salesman", "user", "manager", "user_company_2", "admin")
# the role whose rights a second-company user has
ROLE_RIGHTS = {"user_company_2": "user"}

# model -> {role: the records (by label) it sees}; labels: "anna" is the salesperson's lead in the
# first company, "other" another salesperson's lead there, "c2" a lead of the second company
# rows about a lead: the salesperson sees her own lead's, marketers their company's
BY_LEAD = {"salesman": {"anna"}, "user": {"anna", "other"}, "manager": {"anna", "other"}, "user_company_2": {"c2"}}
# journeys and their steps: per company, whoever runs them
BY_COMPANY = {"salesman": {"c1"}, "user": {"c1"}, "manager": {"c1"}, "user_company_2": {"c2"}}
LEAD_MODELS = (
    "marketing.event",
    "marketing.score.history",
    "marketing.segment.member",
    "marketing.workflow.participant",
    "marketing.workflow.trace",
)
VISIBLE = {
    **dict.fromkeys(LEAD_MODELS, BY_LEAD),
    "marketing.workflow": BY_COMPANY,
    "marketing.workflow.step": BY_COMPANY,
}


@tagged("post_install", "-at_install", "marketing_automation")
class TestAccessMatrix(MarketingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_1 = cls.env.company
        cls.users = {
            "public": cls.env.ref("base.public_user"),
            "portal": new_test_user(cls.env, login="ma_portal", groups="base.group_portal"),
            "salesman": cls.user_salesman,
            "user": cls.user_ma_user,
            "manager": cls.user_ma_manager,
            "user_company_2": new_test_user(
                cls.env,
                login="ma_user_c2",
                groups="base.group_user,marketing_automation_ext.group_marketing_automation_user",
                company_id=cls.company_2.id,
                company_ids=[(6, 0, cls.company_2.ids)],
            ),
            "admin": cls.env.ref("base.user_admin"),
        }
        other_salesman = new_test_user(cls.env, login="ma_salesman_2", groups="sales_team.group_sale_salesman")
        cls.lead_anna.user_id = cls.user_salesman
        Lead = cls.env["crm.lead"]
        partner_c2 = cls.env["res.partner"].create(
            {"name": "Carl Second", "email": "carl@second.example.com", "company_id": cls.company_2.id}
        )
        cls.leads = {
            "anna": cls.lead_anna,
            "other": Lead.create(
                {"name": "Other's deal", "partner_id": cls.partner_bob.id, "user_id": other_salesman.id}
            ),
            "c2": Lead.with_company(cls.company_2).create(
                {"name": "Second company deal", "partner_id": partner_c2.id, "company_id": cls.company_2.id}
            ),
        }
        # the records each label owns, per model, made the way the addon makes them
        cls.records = {model: {} for model in VISIBLE}
        Event = cls.env["marketing.event"]
        segment = cls.env["marketing.segment"].create(
            {"name": "Hand-picked deals", "model_name": "crm.lead", "segment_type": "static"}
        )
        for label, lead in cls.leads.items():
            # a tracking request runs in the main company: the lead's company decides the event's
            event_id = Event.record_event("email_click", lead_id=lead.id, source_key="matrix:%s" % label)
            cls.records["marketing.event"][label] = Event.browse(event_id)
            cls.records["marketing.score.history"][label] = cls.env["marketing.score.history"].search(
                [("lead_id", "=", lead.id)]
            )
            cls.records["marketing.segment.member"][label] = cls.env["marketing.segment.member"].create(
                {"segment_id": segment.id, "lead_id": lead.id}
            )
        for label, company in (("c1", company_1), ("c2", cls.company_2)):
            workflow = (
                cls.env["marketing.workflow"]
                .with_company(company)
                .create({"name": "Journey %s" % label, "model_name": "crm.lead", "trigger": "manual"})
            )
            step = cls.env["marketing.workflow.step"].create(
                {"name": "Pause", "workflow_id": workflow.id, "action_type": "wait", "wait_amount": 1}
            )
            workflow.action_start()
            cls.records["marketing.workflow"][label] = workflow
            cls.records["marketing.workflow.step"][label] = step
            for lead_label, lead in cls.leads.items():
                workflow.enrol([lead.id])
                participant = workflow.participant_ids.filtered(lambda p, lead=lead: p.lead_id == lead)
                if participant:
                    cls.records["marketing.workflow.participant"][lead_label] = participant
                    cls.records["marketing.workflow.trace"][lead_label] = participant.trace_ids
        cls.env.flush_all()

    def test_every_record_of_the_matrix_exists(self):
        for model, by_label in self.records.items():
            for label in {label for role in VISIBLE[model].values() for label in role}:
                self.assertTrue(by_label.get(label), "no %s for %s" % (model, label))
        # a journey reaches the leads of its own company only (it runs as superuser)
        self.assertEqual(
            self.records["marketing.workflow"]["c1"].participant_ids.lead_id, self.leads["anna"] | self.leads["other"]
        )
        self.assertEqual(self.records["marketing.workflow"]["c2"].participant_ids.lead_id, self.leads["c2"])
        self.assertEqual(self.records["marketing.event"]["c2"].company_id, self.company_2)

    def test_model_rights(self):
        """The same table read letter by letter (r, w, c, u): a right added or lost fails here."""
        Access = self.env["ir.model.access"]
        for model, by_role in RIGHTS.items():
            for role in ROLES:
                if role == "admin" and model != "res.config.settings":
                    continue
                expected = by_role.get(ROLE_RIGHTS.get(role, role), NONE)
                granted = "".join(
                    letter
                    for operation, letter in zip(OPERATIONS, "rwcu", strict=True)
                    if Access.with_user(self.users[role]).check(model, operation, raise_exception=False)
                )
                self.assertEqual(granted, expected, "%s for %s" % (model, role))

    def test_rows_each_role_sees(self):
        for model, by_role in VISIBLE.items():
            everything = self.env[model].browse()
            for records in self.records[model].values():
                everything |= records
            for role in ROLES:
                if role in ("admin",):
                    continue
                with self.subTest(model=model, role=role):
                    Model = self.env[model].with_user(self.users[role])
                    if role not in by_role:
                        with self.assertRaises(AccessError):
                            Model.search([("id", "in", everything.ids)])
                        continue
                    seen = Model.search([("id", "in", everything.ids)])
                    expected = self.env[model].browse()
                    for label in by_role[role]:
                        expected |= self.records[model][label]
                    self.assertEqual(set(seen.ids), set(expected.ids))
                    # reading a hidden record by id is refused, not answered
                    hidden = everything - expected
                    if hidden:
                        with self.assertRaises(AccessError):
                            hidden[:1].with_user(self.users[role]).read(["id", "display_name"])

    def test_writes_follow_rights_and_rules(self):
        # the marketing user of the second company cannot touch the first company's journey
        journey_c1 = self.records["marketing.workflow"]["c1"]
        with self.assertRaises(AccessError):
            journey_c1.with_user(self.users["user_company_2"]).write({"name": "Hijacked"})
        with self.assertRaises(AccessError):
            self.records["marketing.workflow.participant"]["anna"].with_user(self.users["user_company_2"]).action_exit()
        # a salesperson reads her journeys but changes nothing
        with self.assertRaises(AccessError):
            journey_c1.with_user(self.users["salesman"]).write({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.records["marketing.workflow.participant"]["anna"].with_user(self.users["salesman"]).action_exit()
        # actions that write in SQL check the rights themselves
        segment = self.records["marketing.segment.member"]["anna"].segment_id
        with self.assertRaises(AccessError):
            segment.with_user(self.users["salesman"]).action_refresh()
        with self.assertRaises(AccessError):
            self.leads["c2"].with_user(self.users["user"]).action_marketing_rescore()
        # nobody edits the touchpoint log, and only managers remove from it
        event = self.records["marketing.event"]["anna"]
        with self.assertRaises(AccessError):
            event.with_user(self.users["user"]).unlink()
        # the marketing user of the first company runs its own journey
        journey_c1.with_user(self.users["user"]).write({"name": "Renamed"})
        self.assertEqual(journey_c1.name, "Renamed")
        participant = self.records["marketing.workflow.participant"]["other"]
        participant.with_user(self.users["user"]).action_exit()
        self.assertEqual(participant.state, "exited")
        # settings: the marketing manager is not an administrator
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.users["manager"]).create({"marketing_frequency_cap": 1})

    def test_record_event_api_respects_companies(self):
        """The external API records touchpoints only on what the caller may see."""
        with self.assertRaises(AccessError):
            self.env["marketing.event"].with_user(self.users["salesman"]).record_event(
                "custom", lead_id=self.leads["anna"].id
            )
        with self.assertRaises(AccessError):
            self.env["marketing.event"].with_user(self.users["portal"]).record_event(
                "custom", partner_id=self.partner_anna.id
            )


@tagged("post_install", "-at_install", "marketing_automation")
class TestAccessOverHttp(HttpCase):
    """The same walls seen from a browser: JSON-RPC as a portal user and as a second-company user."""

    def _call(self, model, method, args, kwargs=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        response = self.url_open(
            "/web/dataset/call_kw/%s/%s" % (model, method),
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_portal_and_public_read_nothing(self):
        partner = self.env["res.partner"].create({"name": "Secret Contact", "email": "secret@example.com"})
        self.env["marketing.event"].record_event("email_click", partner_id=partner.id, url="https://example.com/x")
        new_test_user(self.env, login="ma_portal_http", groups="base.group_portal")
        models = ("marketing.event", "marketing.score.history", "marketing.workflow.participant", "marketing.segment")
        # not logged in: every model call is refused as a session error, nothing is returned
        for model in models:
            answer = self._call(model, "search_read", [[]], {"fields": ["display_name"]})
            self.assertIn("error", answer, model)
            self.assertNotIn("secret@example.com", json.dumps(answer))
        self.authenticate("ma_portal_http", "ma_portal_http")
        for model in models:
            answer = self._call(model, "search_read", [[]], {"fields": ["display_name"]})
            self.assertIn("error", answer, model)
            self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError", model)
            self.assertNotIn("Secret Contact", json.dumps(answer))

    def test_second_company_user_does_not_see_first_company_touchpoints(self):
        company_2 = self.env["res.company"].create({"name": "Other Company Http"})
        partner = self.env["res.partner"].create({"name": "First Company Person", "email": "first@example.com"})
        self.env["marketing.event"].record_event("email_click", partner_id=partner.id, url="https://example.com/y")
        new_test_user(
            self.env,
            login="ma_user_c2_http",
            groups="base.group_user,marketing_automation_ext.group_marketing_automation_user",
            company_id=company_2.id,
            company_ids=[(6, 0, company_2.ids)],
        )
        self.authenticate("ma_user_c2_http", "ma_user_c2_http")
        answer = self._call("marketing.event", "search_read", [[("partner_id", "=", partner.id)]], {"fields": ["url"]})
        self.assertEqual(answer.get("result"), [])
