"""`clinreason view`: a live report of a results directory, on 127.0.0.1 only, for a bounded time."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..store import Store

# The Host header of a request addressed to this server. A page on another site that rebinds its own
# name to 127.0.0.1 (DNS rebinding) sends that name as Host: such requests get 421 and no report.
_LOCAL_HOST = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\])(?::[0-9]{1,5})?", re.IGNORECASE)


def local_host(value: str | None) -> bool:
    return value is not None and _LOCAL_HOST.fullmatch(value.strip()) is not None


class _ReportHandler(BaseHTTPRequestHandler):
    """GET / -> a fresh report of every run in the directory (so running runs show progress)."""

    results: Path
    title: str

    def do_GET(self):  # noqa: N802 - http.server's name
        from . import build_report

        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or not local_host(hosts[0]):
            self.send_error(421, "Misdirected Request", "this server answers requests for 127.0.0.1 / localhost only")
            return
        if self.path.split("?")[0] not in ("/", "/index.html"):
            self.send_error(404)
            return
        try:
            store = Store(self.results)
            try:
                ids = [r["id"] for r in store.list_runs()]
                body = build_report(store, ids, title=self.title, live=True).encode()
            finally:
                store.close()
        except Exception as e:  # noqa: BLE001 - show the problem in the browser, keep serving
            self.send_error(500, explain=str(e))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - quiet: one line per request is noise
        pass


def serve(results: Path, port: int = 8765, duration_s: float = 3600.0, title: str = "clinreason (live)",
          ready: threading.Event | None = None, on_bound=None) -> None:
    """Serve on 127.0.0.1 only, and stop by itself after `duration_s` seconds."""
    handler = type("Handler", (_ReportHandler,), {"results": Path(results), "title": title})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    if on_bound:
        on_bound(server.server_address[1])
    stopper = threading.Timer(duration_s, server.shutdown)
    stopper.daemon = True
    stopper.start()
    if ready:
        ready.set()
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        stopper.cancel()
        server.server_close()
