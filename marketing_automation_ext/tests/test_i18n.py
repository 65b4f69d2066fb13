"""The addon's translations: the committed template matches the code, and Italian, Japanese,
Vietnamese and Simplified Chinese translate every term with its placeholders intact.

The template is exported here, from this database, by Odoo's own exporter; ``make pot``
refreshes the committed files (see i18n_tools.py).
"""

import polib

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, TransactionCase, tagged

from .i18n_tools import LANGUAGES, POT_PATH, entries, export_pot, missing, placeholder_mismatches

HOW_TO_FIX = "run `make pot`, then translate what it lists in marketing_automation_ext/i18n/*.po"


def _listing(msgids):
    return "".join(f"\n    {msgid!r}" for msgid in msgids)


@tagged("post_install", "-at_install", "marketing_automation")
class TestTranslationFiles(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pot = export_pot(cls.env)
        cls.po = {
            language: polib.pofile(str(POT_PATH.with_name(f"{language}.po")))
            for language in LANGUAGES
            if POT_PATH.with_name(f"{language}.po").exists()
        }

    def test_export_holds_every_kind_of_term(self):
        """Python strings, the step tree's JavaScript and QWeb texts, views, menus, fields and
        selections all reach the template; demo records do not."""
        sources = {
            "Scores recomputed.": "code:addons/marketing_automation_ext/models/",
            "When they enter": "code:addons/marketing_automation_ext/static/src/workflow_tree/workflow_tree.js",
            "Add child step": "code:addons/marketing_automation_ext/static/src/workflow_tree/workflow_tree.xml",
            "Journeys": "model:ir.ui.menu,name:marketing_automation_ext.marketing_workflow_menu",
            "Why: points per rule": "model_terms:ir.ui.view,arch_db:",
            "Half-life (days)": "model:ir.model.fields,field_description:",
            "Waiting for a reaction": "model:ir.model.fields.selection,name:",
            "Hot leads": "model:marketing.segment,name:",
        }
        terms = entries(self.pot)
        for msgid, source in sources.items():
            self.assertIn(msgid, terms)
            self.assertTrue(
                any(occurrence.startswith(source) for occurrence, _line in terms[msgid].occurrences),
                f"{msgid!r} not exported from {source}: {terms[msgid].occurrences}",
            )
        # the demo journey's step names are sample content, not the product's words
        self.assertNotIn("Thank-you email", terms)

    def test_committed_template_matches_the_code(self):
        exported = set(entries(self.pot))
        committed = set(entries(polib.pofile(str(POT_PATH))))
        new, gone = sorted(exported - committed), sorted(committed - exported)
        if new or gone:
            self.fail(
                f"{POT_PATH.name} is out of date with the code; {HOW_TO_FIX}."
                f"\n  terms in the code, not in the template:{_listing(new)}"
                f"\n  terms in the template, no longer in the code:{_listing(gone)}"
            )

    def test_every_language_translates_every_term(self):
        problems = []
        for language in LANGUAGES:
            if language not in self.po:
                problems.append(f"\n  {language}.po is missing")
                continue
            left = missing(self.pot, self.po[language])
            if left:
                problems.append(f"\n  {language}.po: {len(left)} untranslated or fuzzy:{_listing(left)}")
        if problems:
            self.fail(f"translations are incomplete; {HOW_TO_FIX}.{''.join(problems)}")

    def test_translations_keep_placeholders_and_tags(self):
        problems = [
            f"\n  {language}.po: {msgid!r} -> {msgstr!r}"
            for language, po in self.po.items()
            for msgid, msgstr in placeholder_mismatches(po)
        ]
        if problems:
            self.fail("translations must keep %s, %(name)s, {name} and tags as they are:" + "".join(problems))

    def test_japanese_terms_load_into_odoo(self):
        """Odoo reads the files: menus and selections from the database, Python strings at run time."""
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(["marketing_automation_ext"], ["ja_JP"])
        ja = self.env(context={"lang": "ja_JP"})
        self.assertEqual(ja.ref("marketing_automation_ext.marketing_workflow_menu").name, "ジャーニー")
        states = dict(ja["marketing.workflow.trace"].fields_get(["state"])["state"]["selection"])
        self.assertEqual(states["waiting"], "反応待ち")
        source = "Scores recomputed."  # a variable: the exporter only collects literals from the code
        self.assertEqual(ja._(source), "スコアを再計算しました。")


@tagged("post_install", "-at_install", "marketing_automation")
class TestJapaneseUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ja_JP")
        cls.env["ir.module.module"]._load_module_terms(["marketing_automation_ext"], ["ja_JP"])
        mail_new_test_user(
            cls.env,
            login="ma_japanese_user",
            name="Jun Japanese",
            lang="ja_JP",
            tz="Asia/Tokyo",
            groups="base.group_user,base.group_partner_manager,mass_mailing.group_mass_mailing_user,"
            "marketing_automation_ext.group_marketing_automation_user",
        )
        workflow = cls.env["marketing.workflow"].create({"name": "I18n tour journey", "trigger": "manual"})
        cls.env["marketing.workflow.step"].create(
            {"name": "I18n tour call", "workflow_id": workflow.id, "action_type": "activity"}
        )

    def test_japanese_journeys_tour(self):
        """A Japanese marketer opens Marketing Automation → Journeys and a journey, all in Japanese."""
        self.start_tour("/odoo", "marketing_automation_ext_japanese_tour", login="ma_japanese_user")
