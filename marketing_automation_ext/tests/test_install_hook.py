from odoo.tests import TransactionCase, tagged

from ..hooks import PRESET_COLUMNS, pre_init_hook

ADDON = "marketing_automation_ext"


@tagged("post_install", "-at_install", "marketing_automation")
class TestInstallHook(TransactionCase):
    """Installing on a big base adds the score columns without rewriting res_partner and crm_lead."""

    def _defaulted_columns(self):
        """(table, column): every column this addon adds to res_partner or crm_lead with a non-NULL default."""
        field_ids = self.env["ir.model.data"].search([("module", "=", ADDON), ("model", "=", "ir.model.fields")])
        fields = self.env["ir.model.fields"].search(
            [
                ("id", "in", field_ids.mapped("res_id")),
                ("model", "in", ["res.partner", "crm.lead"]),
                ("store", "=", True),
            ]
        )
        found = set()
        for field_record in fields:
            model = self.env[field_record.model]
            field = model._fields[field_record.name]
            if not field.column_type or not field.default:
                continue
            # the rule of Odoo's _init_column: it fills the column unless the default is NULL (or False)
            value = field.convert_to_column_insert(field.convert_to_write(field.default(model), model), model)
            if value if field.type == "boolean" else value is not None:
                found.add((model._table, field.name))
        return found

    def test_preset_columns_match_the_fields(self):
        # a defaulted field added later without an entry would rewrite the table again on install
        self.assertEqual({(table, column) for table, column, *_rest in PRESET_COLUMNS}, self._defaulted_columns())
        tables = {"res_partner": self.env["res.partner"], "crm_lead": self.env["crm.lead"]}
        for table, column, column_type, default, label in PRESET_COLUMNS:
            model = tables[table]
            field = model._fields[column]
            self.assertEqual(field.column_type[0], column_type, column)
            self.assertEqual(field.convert_to_column_insert(field.default(model), model), default, column)
            self.assertEqual(field.string, label, "the column's comment, as Odoo writes it")

    def test_hook_adds_columns_in_place_with_their_default(self):
        cr = self.env.cr
        self.env["res.partner"].create([{"name": "Existing %d" % i} for i in range(3)])
        self.env.flush_all()
        cr.execute("SELECT id, ctid::text FROM res_partner ORDER BY id")
        before = cr.fetchall()
        # as before the first install (the transaction is rolled back after the test)
        cr.execute("ALTER TABLE res_partner DROP COLUMN marketing_best_weekday")
        pre_init_hook(self.env)
        cr.execute("SELECT id, ctid::text FROM res_partner ORDER BY id")
        self.assertEqual(cr.fetchall(), before, "every row stays where it was: the table was not rewritten")
        cr.execute("SELECT DISTINCT marketing_best_weekday FROM res_partner")
        self.assertEqual(cr.fetchall(), [(-1,)])
        cr.execute(
            "SELECT data_type, column_default FROM information_schema.columns"
            " WHERE table_name = 'res_partner' AND column_name = 'marketing_best_weekday'"
        )
        self.assertEqual(cr.fetchall(), [("integer", None)], "no default left in the schema: Odoo's own apply")
        # run again (the columns exist): nothing changes
        pre_init_hook(self.env)
        cr.execute("SELECT id, ctid::text FROM res_partner ORDER BY id")
        self.assertEqual(cr.fetchall(), before)
