# A Wowza-like upstream on 127.0.0.1: the seed fixtures per path, or 429 with the
# Retry-After in the file $MODE when it holds a number.
import http.server, os, sys
FIX = sys.argv[2]
FILES = {
    "/api/v1/usage/time/transcoders": "wowza_time_transcoders.json",
    "/api/v1/usage/network/transcoders": "wowza_network_transcoders.json",
    "/api/v1/usage/network/stream_sources": "wowza_network_stream_sources.json",
    "/api/v1/usage/network/stream_targets": "wowza_network_stream_targets.json",
    "/api/v1/usage/storage/peak_recording": "wowza_peak_recording.json",
}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        mode = open(os.environ["MODE"]).read().strip() if os.path.exists(os.environ["MODE"]) else ""
        path = self.path.split("?")[0]
        if mode:
            self.send_response(429); self.send_header("Retry-After", mode)
            self.send_header("Content-Length", "0"); self.end_headers(); return
        body = open(os.path.join(FIX, FILES[path]), "rb").read() if path in FILES else b"{}"
        self.send_response(200 if path in FILES else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
