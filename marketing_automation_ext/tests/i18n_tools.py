"""The addon's translation files, exported and checked with Odoo's own exporter.

Used by ``make pot`` (tools/i18n.sh, through ``odoo-bin shell``) to write ``i18n/<addon>.pot``
and merge it into every ``i18n/<lang>.po``, and by test_i18n.py to check that the committed
files match the code and that every language translates every term.

The template holds what Odoo's ``--i18n-export`` holds for the addon (fields, selections,
help texts, menus, actions, views, data records, ``_()`` / ``env._()`` strings in Python,
``_t()`` strings and QWeb texts of ``static/src``), minus the records of demo files: Odoo's own
templates are exported without demo data, and a test database has it.
"""

import difflib
import io
import re
from collections import Counter
from pathlib import Path

import polib
from lxml import etree

from odoo.modules.module import get_manifest
from odoo.tools.translate import PoFileWriter, TranslationModuleReader

ADDON = "marketing_automation_ext"
ADDON_DIR = Path(__file__).resolve().parent.parent
I18N_DIR = ADDON_DIR / "i18n"
POT_PATH = I18N_DIR / f"{ADDON}.pot"

# file name → (Language header, Plural-Forms header); the languages the addon ships
LANGUAGES = {
    "it": ("it", "nplurals=2; plural=(n != 1);"),
    "ja": ("ja", "nplurals=1; plural=0;"),
    "vi": ("vi", "nplurals=1; plural=0;"),
    "zh_CN": ("zh_CN", "nplurals=1; plural=0;"),
}

# %s, %d, %(name)s, %%; no space flag, so that "10% discount" is plain text
PRINTF = re.compile(r"%(?:\([\w.]+\))?[-+0#]?\d*(?:\.\d+)?[sdifr%]")
BRACES = re.compile(r"\{\{.*?\}\}|\{[\w.]*\}")
TAGS = re.compile(r"</?[A-Za-z][^<>]*>")
LIST_AT_MOST = 40  # msgids listed per language by make pot


def demo_xmlids(module=ADDON):
    """External ids of every record the manifest's demo files declare."""
    ids = set()
    for name in get_manifest(module).get("demo", []):
        if not name.endswith(".xml"):
            continue
        for node in etree.parse(str(ADDON_DIR / name)).iter():
            xmlid = isinstance(node.tag, str) and node.get("id")
            if xmlid:
                ids.add(xmlid if "." in xmlid else f"{module}.{xmlid}")
    return ids


def dependency_closure(module=ADDON):
    """The module and every module it depends on, directly or not."""
    closure, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name not in closure:
            closure.add(name)
            todo += get_manifest(name).get("depends", [])
    return closure


def foreign_field_xmlids(env, module=ADDON):
    """External ids of the module's model fields that another app adds when it is installed too
    (e.g. Ratings on every mail thread with website_sale): not the module's terms."""
    own = dependency_closure(module)
    data = env["ir.model.data"].sudo().search([("module", "=", module), ("model", "=", "ir.model.fields")])
    fields_by_id = {field.id: field for field in env["ir.model.fields"].sudo().browse(data.mapped("res_id"))}
    foreign = set()
    for row in data:
        field = fields_by_id.get(row.res_id)
        definition = field and field.model in env and env[field.model]._fields.get(field.name)
        if definition and not own.intersection(definition._modules or (definition._module,)):
            foreign.add(f"{module}.{row.name}")
    return foreign


def export_pot(env, module=ADDON):
    """The module's translation template, by Odoo's exporter, without demo records, nor the fields
    other installed apps add to its models (the template is the same whatever else is installed)."""
    skipped = demo_xmlids() | foreign_field_xmlids(env, module)
    rows = [
        row
        for row in TranslationModuleReader(env.cr, modules=[module])
        # row: module, type, name, res_id (the record's xmlid for model terms), source, value, comments
        if not (row[1] in ("model", "model_terms") and row[3] in skipped)
    ]
    buffer = io.BytesIO()
    PoFileWriter(buffer, lang=None).write_rows(rows)
    return polib.pofile(buffer.getvalue().decode())


def entries(pofile):
    return {entry.msgid: entry for entry in pofile if not entry.obsolete and entry.msgid}


def merge(pot, po, language):
    """``po`` brought to the template: its translations kept, new terms empty (or fuzzy when a
    gone term was close), gone terms dropped, comments and references from the template."""
    language_code, plural_forms = LANGUAGES.get(language, (language, ""))
    old = {entry.msgid: entry for entry in po if entry.msgid} if po is not None else {}
    merged = polib.POFile(wrapwidth=78)
    merged.header = pot.header
    merged.metadata = dict(pot.metadata)
    if po is not None:
        merged.metadata.update({key: value for key, value in po.metadata.items() if key != "POT-Creation-Date"})
    merged.metadata.update({"Language": language_code, "Plural-Forms": plural_forms})
    terms = entries(pot)
    gone = [msgid for msgid in old if msgid not in terms]
    for msgid, template in terms.items():
        entry = polib.POEntry(msgid=msgid, msgstr="", comment=template.comment, occurrences=list(template.occurrences))
        previous = old.get(msgid)
        if previous is not None and not previous.obsolete:
            entry.msgstr = previous.msgstr
            if previous.fuzzy:
                entry.flags.append("fuzzy")
        else:
            close = difflib.get_close_matches(msgid, gone, n=1, cutoff=0.8)
            if close and old[close[0]].msgstr:
                entry.msgstr = old[close[0]].msgstr
                entry.previous_msgid = close[0]
                entry.flags.append("fuzzy")
        merged.append(entry)
    return merged


def same_terms(left, right):
    """Whether two files hold the same entries, whatever their header dates."""
    return str(_without_dates(left)) == str(_without_dates(right))


def _without_dates(pofile):
    copy = polib.pofile(str(pofile))
    for key in ("POT-Creation-Date", "PO-Revision-Date"):
        copy.metadata.pop(key, None)
    return copy


def save(pofile, path):
    """Write ``pofile`` at ``path`` unless only its dates would change; True when written."""
    if path.exists() and same_terms(pofile, polib.pofile(str(path))):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    pofile.save(str(path))
    return True


def missing(pot, po):
    """msgids of the template that ``po`` lacks, leaves empty or marks fuzzy."""
    translated = {msgid for msgid, entry in entries(po).items() if entry.msgstr and not entry.fuzzy}
    return sorted(set(entries(pot)) - translated)


def placeholders(text):
    return Counter(PRINTF.findall(text)) + Counter(BRACES.findall(text)) + Counter(TAGS.findall(text))


def placeholder_mismatches(po):
    """(msgid, msgstr) pairs whose translation does not keep the placeholders and tags."""
    return [
        (entry.msgid, entry.msgstr)
        for entry in entries(po).values()
        if entry.msgstr and placeholders(entry.msgid) != placeholders(entry.msgstr)
    ]


def refresh(env, i18n_dir=I18N_DIR):
    """make pot: export the template and merge it into each language.

    Returns (how many translations are left to write, the report's lines)."""
    pot = export_pot(env)
    pot_path = i18n_dir / POT_PATH.name
    report = [f"{pot_path.name}: {len(entries(pot))} terms{' (updated)' if save(pot, pot_path) else ''}"]
    languages = sorted(set(LANGUAGES) | {path.stem for path in i18n_dir.glob("*.po")})
    todo = 0
    for language in languages:
        path = i18n_dir / f"{language}.po"
        po = merge(pot, polib.pofile(str(path)) if path.exists() else None, language)
        written = save(po, path)
        left = missing(pot, po)
        todo += len(left)
        report.append(f"{path.name}: {len(left)} to translate{' (updated)' if written else ''}")
        report += [f"    {msgid!r}" for msgid in left[:LIST_AT_MOST]]
        if len(left) > LIST_AT_MOST:
            report.append(f"    … and {len(left) - LIST_AT_MOST} more")
        report += [f"    placeholders differ: {msgid!r} -> {msgstr!r}" for msgid, msgstr in placeholder_mismatches(po)]
    return todo, report
