"""The HTTP service: ``GET /?name=Ada`` answers with a greeting."""

from __future__ import annotations

import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def serve(config: dict, greet: Callable[[str], str]) -> None:
    class Handler(BaseHTTPRequestHandler):
        server_version = "greeter"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlsplit(self.path)
            if url.path == "/healthz":
                body = "ok\n"
            elif url.path == "/":
                name = parse_qs(url.query).get("name", ["world"])[0]
                body = greet(name) + "\n"
            else:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # journald adds timestamps
            print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)

    with ThreadingHTTPServer((config["host"], config["port"]), Handler) as httpd:
        print(f"greeter listening on {config['host']}:{config['port']}", file=sys.stderr, flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
