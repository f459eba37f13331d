#!/usr/bin/python3
# push-standin.py - loopback stand-in for a TAXII 2.1 collection and MISP's /events API (tests only)
#
#   push-standin.py DIR KEY [--tls CERT KEYFILE]
#
# Listens on 127.0.0.1 (a free port, written to DIR/port once listening) and
# stores what it accepts in DIR: taxii-N.json (the envelopes), misp-UUID.json
# (the events), and one line per request in DIR/requests.log
# ("METHOD PATH STATUS"). It answers like the real servers on the points the
# exporter depends on, and refuses what they refuse, so that a test fails
# when the exporter calls a wrong path, method or body:
#   POST .../collections/ID/objects/  Bearer KEY, application/taxii+json;version=2.1,
#                                     an envelope {"objects": [...]} -> 202 + status resource
#   MISP, as its REST API and app/Model/Event.php (_edit) behave: every call is
#   a POST (else 405), with "Authorization: KEY" (else 403 "Authentication
#   failed"), Accept: application/json (else 406), JSON bodies with
#   Content-Type: application/json (else 415); any other path is 404.
#   POST /events/add                  {"Event": {uuid, info, Attribute: [{uuid, type,
#                                     category, value, ...}]}} (else 400) -> 200,
#                                     or 403 "Event already exists..."
#   POST /events/edit/UUID            the same body with Event.uuid = UUID (else 400),
#                                     of an event that exists (else 404); an
#                                     Event.timestamp not newer than the stored one ->
#                                     403 "Event could not be saved: Event in the request
#                                     not newer than the local copy."; attributes merged
#                                     by uuid: one the edit leaves out stays, one it sends
#                                     again replaces the stored one only when its
#                                     timestamp is newer ("deleted": true soft-deletes)
#   POST /events/publish/UUID         an event that exists (else 404) -> 200, and the
#                                     stored event gets "published": true
# While DIR/refuse exists every request gets 403 (a server that refuses the push).
import http.server, json, os, re, ssl, sys, time, uuid

d, key = sys.argv[1], sys.argv[2]
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NOT_NEWER = "Event could not be saved: Event in the request not newer than the local copy."


def misp_event_problem(doc):
    """what makes doc no MISP event body, or None"""
    ev = doc.get("Event") if isinstance(doc, dict) else None
    if not isinstance(ev, dict):
        return 'the body is not {"Event": {...}}'
    if not re.fullmatch(UUID, str(ev.get("uuid", ""))):
        return "Event.uuid is not a UUID"
    if not isinstance(ev.get("info"), str) or not ev["info"]:
        return "Event.info is required"
    if "timestamp" in ev and not str(ev["timestamp"]).isdigit():
        return "Event.timestamp is not a Unix time"
    for a in ev.get("Attribute", []):
        if not all(isinstance(a.get(k), str) and a[k] for k in ("uuid", "type", "category", "value")):
            return "an attribute without uuid, type, category or value: %s" % json.dumps(a)[:200]
    return None


def merge_attributes(old, new):
    """MISP's edit: an attribute replaces the stored one of its uuid only when it is newer"""
    merged = {a["uuid"]: a for a in old}
    for a in new:
        prev = merged.get(a["uuid"])
        if prev is not None and "timestamp" in a and int(a["timestamp"]) <= int(prev.get("timestamp", 0)):
            continue
        a.setdefault("timestamp", str(int(time.time())))
        merged[a["uuid"]] = a
    return list(merged.values())


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, status, obj, ctype="application/json"):
        body = json.dumps(obj).encode()
        # logged before answering: once the client has its answer, the line is there
        with open(os.path.join(d, "requests.log"), "a") as f:
            f.write("%s %s %d\n" % (self.command, self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def misp_error(self, status, name, errors=None):
        obj = {"name": name, "message": name, "url": self.path}
        if errors:
            obj["errors"] = errors
        return self.answer(status, obj)

    def not_post(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        return self.misp_error(405, "Method Not Allowed")

    do_GET = do_PUT = do_DELETE = do_PATCH = not_post

    def taxii(self, body, auth):
        if auth != "Bearer " + key:
            return self.answer(401, {"title": "Unauthorized"}, "application/taxii+json;version=2.1")
        if not self.headers.get("Content-Type", "").startswith("application/taxii+json;version=2.1"):
            return self.answer(415, {"title": "Unsupported Media Type"})
        env = json.loads(body)
        n = len([x for x in os.listdir(d) if x.startswith("taxii-")]) + 1
        json.dump(env, open(os.path.join(d, "taxii-%d.json" % n), "w"))
        return self.answer(202, {"id": str(uuid.uuid4()), "status": "complete", "total_count": len(env["objects"]),
                                 "success_count": len(env["objects"]), "failure_count": 0, "pending_count": 0},
                           "application/taxii+json;version=2.1")

    def publish(self, event_uuid):
        path = os.path.join(d, "misp-%s.json" % event_uuid)
        if not os.path.exists(path):
            return self.misp_error(404, "Invalid event.")
        doc = json.load(open(path))
        doc["Event"]["published"] = True
        json.dump(doc, open(path, "w"))
        return self.answer(200, {"name": "Publish", "message": "Job queued", "url": self.path})

    def add_or_edit(self, body, edit_uuid):
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return self.misp_error(415, "Unsupported Media Type")
        try:
            doc = json.loads(body)
        except ValueError:
            return self.misp_error(400, "Bad Request", "the body is not JSON")
        problem = misp_event_problem(doc)
        if problem:
            return self.misp_error(400, "Bad Request", problem)
        ev = doc["Event"]
        path = os.path.join(d, "misp-%s.json" % ev["uuid"])
        if edit_uuid is None:
            if os.path.exists(path):
                return self.misp_error(403, "Event already exists, if you would like to edit it, use the url in "
                                            "the location header.")
        else:
            if ev["uuid"] != edit_uuid:
                return self.misp_error(400, "Bad Request", "Event.uuid differs from the event in the URL")
            if not os.path.exists(path):
                return self.misp_error(404, "Invalid event")
            old = json.load(open(path))["Event"]
            if "timestamp" in ev and int(ev["timestamp"]) <= int(old.get("timestamp", 0)):
                return self.misp_error(403, "Could not edit event", NOT_NEWER)
            ev["Attribute"] = merge_attributes(old.get("Attribute", []), ev.get("Attribute", []))
        ev.setdefault("timestamp", str(int(time.time())))
        ev["published"] = False
        json.dump({"Event": ev}, open(path, "w"))
        return self.answer(200, {"Event": ev})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        auth = self.headers.get("Authorization", "")
        if os.path.exists(os.path.join(d, "refuse")):
            return self.answer(403, {"title": "Forbidden", "description": "this server refuses pushes"})
        if "/collections/" in self.path and self.path.endswith("/objects/"):
            return self.taxii(body, auth)
        m = re.fullmatch(r"/events/(?:(add)|edit/(%s)|publish/(%s))" % (UUID, UUID), self.path)
        if not m:
            return self.misp_error(404, "Not Found")
        if auth != key:
            return self.misp_error(403, "Authentication failed. Please make sure you pass the API key of an API "
                                        "enabled user along in the Authorization header.")
        if "application/json" not in self.headers.get("Accept", ""):
            return self.misp_error(406, "Not Acceptable", "the REST API answers Accept: application/json")
        if m.group(3):
            return self.publish(m.group(3))
        return self.add_or_edit(body, m.group(2))


srv = http.server.HTTPServer(("127.0.0.1", 0), H)
if len(sys.argv) > 3 and sys.argv[3] == "--tls":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
srv.serve_forever()
