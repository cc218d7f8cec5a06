#!/usr/bin/python3
"""factory-stub.py - a local stand-in for the Talos Image Factory's two
endpoints, as documented by the factory: POST /schematics (YAML body) ->
{"id": "<sha256 of the body>"} and GET /image/<id>/<version>/<file>.
Each schematic received is appended to LOG (one JSON line). Loopback only.
Usage: factory-stub.py PORT LOG
"""
import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT, LOG = int(sys.argv[1]), sys.argv[2]
KNOWN = set()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body, ctype="application/json"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        if self.path != "/schematics":
            return self.reply(404, '{"error":"not found"}')
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        sid = hashlib.sha256(body).hexdigest()
        KNOWN.add(sid)
        with open(LOG, "a") as f:
            f.write(json.dumps({"id": sid, "content_type": self.headers.get("Content-Type"),
                                "body": body.decode()}) + "\n")
        self.reply(201, json.dumps({"id": sid}))

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if len(parts) == 4 and parts[0] == "image" and parts[1] in KNOWN:
            return self.reply(200, "ISO", "application/octet-stream")
        self.reply(404, '{"error":"not found"}')


HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
