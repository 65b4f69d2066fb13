"""Fail when an Odoo log holds an error, or a warning raised by this addon."""

import re
import sys

ADDON = "marketing_automation_ext"
LINE = re.compile(r"^\S+ \S+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): (?P<msg>.*)")


def problems(lines):
    found = []
    for line in lines:
        match = LINE.match(line)
        if not match:
            continue
        level = match["level"]
        if level in ("ERROR", "CRITICAL"):
            found.append(line.rstrip())
        elif level == "WARNING" and (ADDON in match["logger"] or ADDON in match["msg"]):
            found.append(line.rstrip())
    return found


def main(path, step):
    with open(path, encoding="utf-8", errors="replace") as handle:
        found = problems(handle)
    if found:
        print("%s of %s logged %d problem(s):" % (step, ADDON, len(found)))
        print("\n".join(found[:20]))
        sys.exit(1)
    print("%s of %s: log clean" % (step, ADDON))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
