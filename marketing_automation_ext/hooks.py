from odoo.tools import SQL, sql

# Columns this addon adds to Odoo's big tables with a default other than NULL, as (table, column,
# PostgreSQL type, default, label). Created before the models load, PostgreSQL keeps the default
# in the catalogue instead of writing it into every row: without this, Odoo fills each new column
# with one UPDATE of the whole table (three passes over res_partner, two over crm_lead), which at
# 100,000 contacts doubles res_partner and triples crm_lead on disk and leaves every row where no
# later update can stay on its page (HOT). test_install_hook checks this list against the fields.
PRESET_COLUMNS = [
    ("res_partner", "marketing_score", "int4", 0, "Score"),
    ("res_partner", "marketing_grade", "varchar", "cold", "Grade"),
    ("res_partner", "marketing_best_weekday", "int4", -1, "Best Weekday"),
    ("crm_lead", "marketing_score", "int4", 0, "Score"),
    ("crm_lead", "marketing_grade", "varchar", "cold", "Grade"),
]


def pre_init_hook(env):
    """Add the defaulted columns without rewriting res_partner and crm_lead (see PRESET_COLUMNS)."""
    cr = env.cr
    for table, column, column_type, default, label in PRESET_COLUMNS:
        if sql.column_exists(cr, table, column):
            continue
        cr.execute(
            SQL(
                "ALTER TABLE %s ADD COLUMN %s %s DEFAULT %s",
                SQL.identifier(table),
                SQL.identifier(column),
                SQL(column_type),
                default,
            )
        )
        # existing rows keep the default PostgreSQL stored; new rows get Odoo's, as for any field
        cr.execute(SQL("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", SQL.identifier(table), SQL.identifier(column)))
        cr.execute(SQL("COMMENT ON COLUMN %s IS %s", SQL.identifier(table, column), label))


def uninstall_hook(env):
    """Drop the indexes, triggers and functions created in ``init()`` that Odoo does not track."""
    env.cr.execute("DROP FUNCTION IF EXISTS marketing_event_queue_for_journeys() CASCADE")
    env.cr.execute("DROP FUNCTION IF EXISTS marketing_trace_status_queue() CASCADE")
    env.cr.execute("DROP INDEX IF EXISTS marketing_event_partner_date_idx")
    env.cr.execute("DROP INDEX IF EXISTS marketing_event_type_date_idx")
    env.cr.execute("DROP INDEX IF EXISTS marketing_event_unscored_idx")
    env.cr.execute("DROP INDEX IF EXISTS mailing_trace_marketing_cap_email_idx")
    env.cr.execute("DROP INDEX IF EXISTS mailing_trace_marketing_cap_sms_idx")
