"""Snapshot of what the addon stores (every marketing_* table and the marketing_ columns of contacts and
leads), or its comparison with an earlier one: `snapshot DB FILE`, `compare DB FILE`.

The comparison covers the columns both versions have; write_date / write_uid may change on upgrade.
Fails listing each table (and column) whose rows were lost or changed, and each table left empty
by the filled data."""

import json
import os
import sys

import psycopg2

SKIP_TABLES = {"marketing_segment_add", "marketing_workflow_test"}  # wizards (transient)
SKIP_COLUMNS = {"write_date", "write_uid"}
# columns of fields removed on purpose, and what took over their data
DROPPED = {
    ("marketing_workflow", "last_event_id"): "the touchpoints past this mark are queued by migrations/18.0.1.1.0",
}


def connect(db):
    return psycopg2.connect(
        dbname=db,
        host=os.environ.get("PGHOST", "localhost"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "odoo"),
        password=os.environ.get("PGPASSWORD", "odoo"),
    )


def columns(cr):
    cr.execute(
        """SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.column_name)
             FROM information_schema.columns c JOIN information_schema.tables t
                  ON t.table_name = c.table_name AND t.table_schema = c.table_schema
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND (c.table_name LIKE 'marketing\\_%%'
                       OR (c.table_name IN ('res_partner', 'crm_lead')
                           AND (c.column_name LIKE 'marketing\\_%%' OR c.column_name = 'id')))
            GROUP BY 1"""
    )
    return {table: cols for table, cols in cr.fetchall() if table not in SKIP_TABLES}


def digest(cr, table, cols, max_id=None):
    """{column: md5 of that column over all rows, ordered by the whole row}, the row count and the
    highest id. With ``max_id``, only the rows up to it: the rows the earlier version had (records the
    new version's data files add come after them)."""
    cols = [c for c in cols if c not in SKIP_COLUMNS]
    row = ", ".join('"%s"' % c for c in cols)
    key = '"id"' if "id" in cols else "ROW(%s)::text" % row
    parts = ", ".join("md5(string_agg(\"%s\"::text, ',' ORDER BY %s))" % (c, key) for c in cols)
    scope = " WHERE id <= %d" % max_id if max_id is not None and "id" in cols else ""
    top = "max(id)" if "id" in cols else "NULL"
    cr.execute('SELECT count(*), %s, %s FROM "%s"%s' % (top, parts, table, scope))
    count, highest, *sums = cr.fetchone()
    return {"__rows__": count, "__max_id__": highest, **dict(zip(cols, sums, strict=True))}


def snapshot(db, before=None):
    with connect(db) as conn, conn.cursor() as cr:
        return {
            table: digest(cr, table, cols, ((before or {}).get(table) or {}).get("__max_id__"))
            for table, cols in columns(cr).items()
        }


def main(action, db, path):
    if action == "snapshot":
        data = snapshot(db)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
        empty = sorted(t for t, d in data.items() if not d["__rows__"] and not t.endswith("_rel"))
        print("snapshot: %d tables, %d rows" % (len(data), sum(d["__rows__"] for d in data.values())))
        if empty:
            sys.exit("no data in %s: the fill must reach every model" % ", ".join(empty))
        return
    with open(path, encoding="utf-8") as handle:
        before = json.load(handle)
    after = snapshot(db, before)
    problems = []
    for table, old in sorted(before.items()):
        new = after.get(table)
        if new is None:
            problems.append("%s: table gone" % table)
            continue
        if new["__rows__"] != old["__rows__"]:
            problems.append("%s: %s rows before, %s after" % (table, old["__rows__"], new["__rows__"]))
            continue
        changed = [c for c in old if not c.startswith("__") and c in new and new[c] != old[c]]
        if changed:
            problems.append("%s: values changed in %s" % (table, ", ".join(changed)))
        gone = [c for c in old if not c.startswith("__") and c not in new and (table, c) not in DROPPED]
        if gone:
            problems.append("%s: columns gone: %s" % (table, ", ".join(gone)))
    rows = sum(d["__rows__"] for d in before.values())
    if problems:
        print("upgrade lost or changed data:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("upgrade kept all %d rows of %d tables (every column both versions have)" % (rows, len(before)))


if __name__ == "__main__":
    main(*sys.argv[1:])
