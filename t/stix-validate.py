#!/usr/bin/python3
# stix-validate.py - validate STIX 2.1 bundles against the official JSON schemas (offline)
#
#   stix-validate.py SCHEMA_DIR BUNDLE...
#
# SCHEMA_DIR is ../shared/schemas/stix2.1/schemas. The schemas refer to each
# other by $id URLs under raw.githubusercontent.com; every file is put in the
# resolver's store under its $id, so nothing is fetched. Each object is
# validated against the schema of its type (sdos/, sros/, observables/,
# common/marking-definition.json), and the bundle against common/bundle.json;
# indicator patterns must be comparisons of the STIX patterning grammar
# with correctly escaped string literals; references must resolve.
# Prints one line per problem; exit status 1 when any.
import json, os, re, sys
import jsonschema

# One comparison of the STIX patterning grammar (pattern_grammar/STIXPattern.g4):
# [object-type:path(.step)* (=|LIKE) 'StringLiteral'], where a StringLiteral
# holds no bare quote or backslash (only \' and \\).
PATTERN = re.compile(r"^\[[a-z0-9-]+:[a-z0-9_]+(\.([a-z0-9_]+|'[^'\\]+'))* (=|LIKE) '(?:[^'\\]|\\['\\])*'\]$")

schema_dir, files = sys.argv[1], sys.argv[2:]
store, by_type = {}, {}
for root, _, names in os.walk(schema_dir):
    for n in names:
        if not n.endswith(".json"):
            continue
        path = os.path.join(root, n)
        s = json.load(open(path))
        store[s["$id"]] = s
        store["file://" + os.path.abspath(path)] = s
        if os.path.basename(root) in ("sdos", "sros", "observables"):
            by_type[n[:-5]] = s
by_type["marking-definition"] = store[[k for k in store if k.endswith("common/marking-definition.json")][0]]
bundle_schema = store[[k for k in store if k.endswith("common/bundle.json")][0]]
cls = jsonschema.validators.validator_for(bundle_schema)

def check(schema, inst, what):
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    errs = sorted(cls(schema, resolver=resolver).iter_errors(inst), key=lambda e: list(e.path))
    for e in errs[:5]:
        print("%s: %s at %s" % (what, e.message[:300], "/".join(map(str, e.path))))
    return len(errs)

bad = 0
for f in files:
    b = json.load(open(f))
    if b.get("type") != "bundle":
        print("%s: not a bundle" % f); bad += 1; continue
    bad += check(bundle_schema, b, f)
    for o in b.get("objects", []):
        s = by_type.get(o.get("type"))
        if s is None:
            print("%s: %s: no schema for type %s" % (f, o.get("id"), o.get("type"))); bad += 1; continue
        bad += check(s, o, "%s: %s" % (f, o.get("id")))
    for o in b["objects"]:
        if o.get("type") == "indicator" and not PATTERN.match(o.get("pattern", "")):
            print("%s: %s: pattern outside the grammar: %s" % (f, o["id"], o.get("pattern"))); bad += 1
    ids = [o["id"] for o in b["objects"]]
    if len(ids) != len(set(ids)):
        print("%s: duplicate object ids" % f); bad += 1
    known = set(ids)
    for o in b["objects"]:
        for k in ("created_by_ref", "sighting_of_ref", "source_ref", "target_ref"):
            if k in o and o[k] not in known and not o[k].startswith("marking-definition--"):
                print("%s: %s: %s %s not in the bundle" % (f, o["id"], k, o[k])); bad += 1
        for r in o.get("where_sighted_refs", []) + o.get("object_marking_refs", []):
            if r not in known:
                print("%s: %s: ref %s not in the bundle" % (f, o["id"], r)); bad += 1
sys.exit(1 if bad else 0)
