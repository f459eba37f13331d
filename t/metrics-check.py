#!/usr/bin/python3
"""metrics-check.py FILE - is FILE a well-formed Prometheus text exposition (format 0.0.4)?

Checks what a scraper relies on, more strictly than prometheus_client's
parser (which accepts duplicates and a missing final newline): every line
ends in a newline; each family has one HELP and one TYPE line before its
samples, and its samples are together; names and label names are valid,
label values escaped, values numbers; no sample twice; a counter's name
ends in _total; a histogram's buckets have increasing le bounds ending
with +Inf, counts that never decrease, and _count equal to the +Inf
bucket, with a _sum. When prometheus_client is installed its parser must
read the same families. Prints each problem and exits 1, or exits 0.
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r"^(%s)(?:\{((?:%s)(?:,%s)*)?\})? (\S+)$" % (NAME, LABEL, LABEL))
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def family_of(name, types):
    """The family a sample name belongs to (histogram samples carry a suffix)."""
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) == "histogram":
            return base
    return name


def number(text):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    return float(text)


def check(text):
    problems = []
    if not text.endswith("\n"):
        problems.append("the last line does not end in a newline")
    helps, types, seen, done = {}, {}, set(), set()
    current = None
    hist = {}  # family -> {"buckets": [(le, count)], "count": n, "sum": x}
    for no, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not re.fullmatch(NAME, parts[2]):
                problems.append("line %d: malformed comment: %r" % (no, line))
                continue
            table = helps if parts[1] == "HELP" else types
            if parts[2] in table:
                problems.append("line %d: second %s for %s" % (no, parts[1], parts[2]))
            if parts[1] == "TYPE" and parts[3] not in TYPES:
                problems.append("line %d: unknown type %r" % (no, parts[3]))
            if parts[2] in done:
                problems.append("line %d: %s comes back after other families" % (no, parts[2]))
            table[parts[2]] = parts[3]
            if current != parts[2] and current is not None:
                done.add(current)
            current = parts[2]
            continue
        if line.startswith("#") or line == "":
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append("line %d: not a sample: %r" % (no, line))
            continue
        name, labels, value = m.group(1), m.group(2) or "", m.group(m.lastindex)
        fam = family_of(name, types)
        if fam not in helps or fam not in types:
            problems.append("line %d: %s has no HELP and TYPE before it" % (no, name))
        if fam != current:
            problems.append("line %d: %s is not with the other samples of %s" % (no, name, fam))
        if (name, labels) in seen:
            problems.append("line %d: %s{%s} appears twice" % (no, name, labels))
        seen.add((name, labels))
        try:
            v = number(value)
        except ValueError:
            problems.append("line %d: value %r is not a number" % (no, value))
            continue
        kind = types.get(fam)
        if kind == "counter" and not fam.endswith("_total"):
            problems.append("line %d: counter %s does not end in _total" % (no, fam))
        if kind in ("counter", "histogram") and not v >= 0:
            problems.append("line %d: %s is %s, below zero" % (no, name, value))
        if kind == "histogram":
            h = hist.setdefault(fam, {"buckets": [], "count": None, "sum": None})
            if name.endswith("_bucket"):
                le = dict(re.findall(LABEL, labels)).get("le")
                if le is None:
                    problems.append("line %d: bucket without le" % no)
                else:
                    h["buckets"].append((number(le), v))
            elif name.endswith("_count"):
                h["count"] = v
            elif name.endswith("_sum"):
                h["sum"] = v
    for fam, h in hist.items():
        les = [le for le, _ in h["buckets"]]
        counts = [c for _, c in h["buckets"]]
        if not les or les[-1] != math.inf:
            problems.append("%s: the last bucket is not le=\"+Inf\" (bounds %s)" % (fam, les))
        if les != sorted(set(les)):
            problems.append("%s: bucket bounds not increasing: %s" % (fam, les))
        if counts != sorted(counts):
            problems.append("%s: bucket counts decrease: %s" % (fam, counts))
        if h["sum"] is None:
            problems.append("%s: no _sum" % fam)
        if counts and h["count"] != counts[-1]:
            problems.append("%s: _count is %s, the +Inf bucket %s" % (fam, h["count"], counts[-1]))
    return problems, set(types)


def cross_check(text, families):
    """prometheus_client, when installed, reads the same families."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        return []
    try:
        theirs = {f.name for f in text_string_to_metric_families(text)}
    except ValueError as e:
        return ["prometheus_client cannot parse it: %s" % e]
    ours = {f[: -len("_total")] if f.endswith("_total") else f for f in families}
    if theirs != ours:
        return ["prometheus_client read families %s, expected %s" % (sorted(theirs), sorted(ours))]
    return []


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    problems, families = check(text)
    if not problems:
        problems = cross_check(text, families)
    for p in problems:
        print("metrics-check: %s" % p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
