#!/usr/bin/python3
# misp-check.py - check MISP event JSON the way MISP imports it (offline)
#
#   misp-check.py MISP_DIR EVENT.json...
#
# MISP_DIR is ../shared/schemas/misp. Checks: the event validates against
# schema-lax.json (MISP's own JSON schema, draft-04); every attribute type is
# a MISP type (describeTypes.json) used with a category MISP allows for it;
# to_ids is a boolean; uuids are UUIDs; objects carry name, meta-category,
# template_uuid, template_version, uuid and object_relation on each
# attribute; every key used also appears in the reference events of
# MISP_DIR/examples (first_seen/last_seen excepted: MISP >= 2.4.124; and
# Sighting, specified in misp-core-format.md: each needs type 0-3,
# date_sighting and the uuid of its attribute).
import json, os, re, sys
import jsonschema

misp_dir, files = sys.argv[1], sys.argv[2:]
types = json.load(open(os.path.join(misp_dir, "describeTypes.json")))["result"]
lax = json.load(open(os.path.join(misp_dir, "schema-lax.json")))
ref_event, ref_attr, ref_obj = set(), {"first_seen", "last_seen", "Sighting"}, set()
for n in os.listdir(os.path.join(misp_dir, "examples")):
    e = json.load(open(os.path.join(misp_dir, "examples", n)))
    e = e.get("Event", e)
    ref_event |= set(e)
    for a in e.get("Attribute", []):
        ref_attr |= set(a)
    for o in e.get("Object", []):
        ref_obj |= set(o)
        for a in o.get("Attribute", []):
            ref_attr |= set(a)
uuid_re = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
bad = []

def attr(a, where, in_object):
    t, c = a.get("type"), a.get("category")
    if t not in types["types"]:
        bad.append("%s: unknown type %s" % (where, t))
    elif c not in types["category_type_mappings"] or t not in types["category_type_mappings"][c]:
        bad.append("%s: category %s not allowed for %s" % (where, c, t))
    if not isinstance(a.get("to_ids"), bool):
        bad.append("%s: to_ids not a boolean" % where)
    if not uuid_re.match(a.get("uuid", "")):
        bad.append("%s: bad uuid" % where)
    if not a.get("value"):
        bad.append("%s: empty value" % where)
    if in_object and not a.get("object_relation"):
        bad.append("%s: no object_relation" % where)
    for s in a.get("Sighting", []):
        if s.get("type") not in ("0", "1", "2", "3") or not str(s.get("date_sighting", "")).isdigit() \
                or s.get("uuid") != a.get("uuid"):
            bad.append("%s: bad Sighting %s" % (where, s))
    for k in a:
        if k not in ref_attr:
            bad.append("%s: key %s not in MISP's reference events" % (where, k))

for f in files:
    doc = json.load(open(f))
    errs = list(jsonschema.Draft4Validator(lax).iter_errors(doc))
    bad += ["%s: schema: %s" % (f, e.message[:200]) for e in errs[:5]]
    e = doc["Event"]
    for k in ("info", "date", "threat_level_id", "analysis", "distribution", "uuid", "Orgc", "Attribute"):
        if k not in e:
            bad.append("%s: Event has no %s" % (f, k))
    for k in e:
        if k not in ref_event and k != "Object":
            bad.append("%s: Event key %s not in MISP's reference events" % (f, k))
    if not re.match(r"^\d{4}-\d\d-\d\d$", e.get("date", "")):
        bad.append("%s: bad date" % f)
    for i, a in enumerate(e.get("Attribute", [])):
        attr(a, "%s: Attribute %d" % (f, i), False)
    for i, o in enumerate(e.get("Object", [])):
        for k in ("name", "meta-category", "template_uuid", "template_version", "uuid", "Attribute"):
            if k not in o:
                bad.append("%s: Object %d has no %s" % (f, i, k))
        for k in o:
            if k not in ref_obj:
                bad.append("%s: Object key %s not in MISP's reference events" % (f, k))
        for j, a in enumerate(o.get("Attribute", [])):
            attr(a, "%s: Object %d Attribute %d" % (f, i, j), True)
    uuids = [a["uuid"] for a in e.get("Attribute", [])] + [o["uuid"] for o in e.get("Object", [])] \
        + [a["uuid"] for o in e.get("Object", []) for a in o.get("Attribute", [])]
    if len(uuids) != len(set(uuids)):
        bad.append("%s: duplicate uuids" % f)
for b in bad[:30]:
    print(b)
sys.exit(1 if bad else 0)
