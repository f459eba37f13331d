#!/usr/bin/python3
# hits-gen.py - synthetic hits-stream entries (as analyzers/cache/hits.c writes them) in RESP, for redis-cli --pipe
#
#   hits-gen.py --stream KEY --prefix ID --count N [--seed S] [--campaigns a,b] [--start T] [--release ID]...
#
# Each message belongs to one of the named campaigns. A campaign has a fixed
# attachment (sha256, file name), link domain and subject pattern, and a
# pool of sender addresses in its own domain; the subject number, the
# sender, the URL path and the recipient count vary per message. Every
# message also carries X-Mailer "Microsoft Outlook 16.0" (a weak indicator
# shared by all campaigns) and a link to the allowlisted www.gov.tw.
# --salt X --salted c2 gives campaign c2 other domains, hash and IP (another
# agency's view of the same campaign, tied only by its subjects).
# Indicators carry the role a scan gives them (lure link, payload file, the
# campaign's own sender and IP; subject and X-Mailer without one); --no-roles
# writes them as entries from before roles existed.
# Event ids are PREFIX-0..N-1, times one minute apart from --start.
import argparse, hashlib, json, random, sys, datetime

ap = argparse.ArgumentParser()
ap.add_argument("--stream", required=True)
ap.add_argument("--prefix", required=True)
ap.add_argument("--count", type=int, default=10)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--campaigns", default="c1")
ap.add_argument("--start", default="2026-11-20T08:00:00")
ap.add_argument("--senders", type=int, default=3, help="sender addresses per campaign")
ap.add_argument("--release", action="append", default=[], help="event id to release")
ap.add_argument("--salt", default="", help="infrastructure variant for the --salted campaigns")
ap.add_argument("--salted", default="", help="campaigns (comma separated) that get --salt")
ap.add_argument("--malformed", action="store_true", help="add one entry with broken indicators")
ap.add_argument("--no-roles", action="store_true", help="indicators without roles, as older relays wrote them")
args = ap.parse_args()
rnd = random.Random(args.seed)
start = datetime.datetime.fromisoformat(args.start)
out = sys.stdout.buffer

def resp(*a):
    out.write(b"*%d\r\n" % len(a))
    for x in a:
        x = x.encode() if isinstance(x, str) else x
        out.write(b"$%d\r\n%s\r\n" % (len(x), x))

SUBJECTS = {"c1": "您的信箱帳號即將停用，請於{n}小時內驗證",
            "c2": "Invoice {n} overdue - remittance advice",
            "c3": "DHL shipment {n} on hold: customs fee",
            "c4": "薪資調整通知 第{n}號 請查收附件"}

def campaign(name, salt):
    # the salt gives a campaign other infrastructure (domains, hash, IP) but the same subjects
    key = name + salt
    h = hashlib.sha256(key.encode()).hexdigest()
    letters = "".join(chr(ord("a") + int(ch)) if ch.isdigit() else ch for ch in name)
    return {"domain": "%s-login.example" % key, "sender_domain": "%s-mail.example" % key,
            "sha256": hashlib.sha256(("payload " + key).encode()).hexdigest(),
            "file": "%s-invoice.zip" % name, "ip": "198.51.%d.%d" % (int(h[2:4], 16), int(h[:2], 16) % 250 + 1),
            "subject": SUBJECTS.get(name, "Notice {n} for campaign " + letters),
            "malware": "Lurewatch.Test.%s" % name.capitalize()}

camps = [campaign(c, args.salt if c in args.salted.split(",") else "") for c in args.campaigns.split(",")]
for i in range(args.count):
    c = camps[i % len(camps)]
    n = rnd.randint(1000, 9999)
    sender = "user%d@%s" % (rnd.randrange(args.senders), c["sender_domain"])
    inds = [{"type": "email-addr", "value": sender, "role": "sender"},
            {"type": "sender-domain", "value": c["sender_domain"], "role": "sender"},
            {"type": "domain", "value": c["domain"], "role": "lure"},
            {"type": "url", "value": "https://%s/verify/%d" % (c["domain"], rnd.randrange(3)), "role": "lure"},
            {"type": "url", "value": "https://www.gov.tw/notice", "role": "lure"},
            {"type": "sha256", "value": c["sha256"], "role": "payload"},
            {"type": "filename", "value": c["file"], "role": "payload"},
            {"type": "subject", "value": c["subject"].format(n=n)},
            {"type": "ipv4-addr", "value": c["ip"], "role": "sender"},
            {"type": "x-mailer", "value": "Microsoft Outlook 16.0"},
            {"type": "malware-name", "value": c["malware"], "role": "payload"}]
    if args.no_roles:
        for ind in inds:
            ind.pop("role", None)
    t = (start + datetime.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    eid = "%s-%d" % (args.prefix, i)
    resp("XADD", args.stream, "*", "event_id", eid, "time", t, "instance", "relay-internal-7",
         "queue_id", "Q%s%d" % (args.prefix.upper(), i), "message_id", "<%d.%s@%s>" % (n, eid, c["sender_domain"]),
         "sender", sender, "rcpt_count", str(rnd.randint(1, 5)), "subject", c["subject"].format(n=n),
         "score", "%.1f" % rnd.choice([8.0, 12.5, 25.0]), "action", "reject",
         "rules", "LW_TEST_%s,LW_ZH_VERIFY_ACCOUNT" % c["file"][:2].upper(), "cached", "0",
         "indicators", json.dumps(inds, ensure_ascii=False))
if args.malformed:
    resp("XADD", args.stream, "*", "event_id", args.prefix + "-bad", "time", "2026-11-20T08:00:00Z",
         "score", "30", "indicators", "[{not json")
for r in args.release:
    resp("XADD", args.stream, "*", "type", "release", "released_event_id", r, "time", "2026-11-21T00:00:00Z")
