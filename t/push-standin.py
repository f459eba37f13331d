#!/usr/bin/python3
# push-standin.py - loopback stand-in for a TAXII 2.1 collection and MISP's /events API (tests only)
#
#   push-standin.py DIR KEY [--tls CERT KEYFILE]
#
# Listens on 127.0.0.1 (a free port, written to DIR/port once listening) and
# stores what it accepts in DIR: taxii-N.json (the envelopes), misp-UUID.json
# (the events), and one line per request in DIR/requests.log
# ("METHOD PATH STATUS"). It answers like the real servers on the points the
# exporter depends on:
#   POST .../collections/ID/objects/  Bearer KEY, application/taxii+json;version=2.1,
#                                     an envelope {"objects": [...]} -> 202 + status resource
#   POST /events/add                  Authorization: KEY -> 200, or 403 "Event already exists..."
#   POST /events/edit/UUID            -> 200; as MISP, attributes are merged by uuid: one
#                                     the edit leaves out stays, one it sends again is
#                                     replaced (its "deleted": true soft-deletes it)
#   POST /events/publish/UUID         -> 200, and the stored event gets "published": true
# A wrong key gets 401. While DIR/refuse exists every request gets 403 (a
# server that refuses the push).
import http.server, json, os, ssl, sys, uuid

d, key = sys.argv[1], sys.argv[2]

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

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        auth = self.headers.get("Authorization", "")
        if os.path.exists(os.path.join(d, "refuse")):
            return self.answer(403, {"title": "Forbidden", "description": "this server refuses pushes"})
        if "/collections/" in self.path and self.path.endswith("/objects/"):
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
        if self.path == "/events/add" or self.path.startswith("/events/edit/"):
            if auth != key:
                return self.answer(403, {"name": "Authentication failed. Please make sure you pass the API key",
                                         "message": "Authentication failed.", "url": self.path})
            ev = json.loads(body)["Event"]
            path = os.path.join(d, "misp-%s.json" % ev["uuid"])
            if self.path == "/events/add" and os.path.exists(path):
                return self.answer(403, {"name": "Event already exists, if you would like to edit it, use the url in the location header.",
                                         "message": "Event already exists", "url": "/events/add"})
            if os.path.exists(path):
                old = {a["uuid"]: a for a in json.load(open(path))["Event"].get("Attribute", [])}
                old.update({a["uuid"]: a for a in ev.get("Attribute", [])})
                ev["Attribute"] = list(old.values())
            ev["published"] = False
            json.dump({"Event": ev}, open(path, "w"))
            return self.answer(200, {"Event": ev})
        if self.path.startswith("/events/publish/"):
            if auth != key:
                return self.answer(403, {"name": "Authentication failed.", "message": "Authentication failed.",
                                         "url": self.path})
            path = os.path.join(d, "misp-%s.json" % self.path.rsplit("/", 1)[1])
            if not os.path.exists(path):
                return self.answer(404, {"name": "Invalid event.", "message": "Invalid event.", "url": self.path})
            doc = json.load(open(path))
            doc["Event"]["published"] = True
            json.dump(doc, open(path, "w"))
            return self.answer(200, {"name": "Publish", "message": "Job queued", "url": self.path})
        return self.answer(404, {"name": "Not found"})

srv = http.server.HTTPServer(("127.0.0.1", 0), H)
if len(sys.argv) > 3 and sys.argv[3] == "--tls":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
srv.serve_forever()
