"""The HTTP side of `qexport serve`: a fixed set of routes, and server-sent events.

Every response comes from the preview in memory, the PDFs the server built,
or an image a card shows (looked up by its name among the cards' images);
no path from a URL ever reaches the file system. A Host header that does
not name this machine is refused, so a web page cannot read the preview
through a rebound domain name.
"""

from __future__ import annotations

import json
import queue
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from qexport.serve import pages
from qexport.serve.state import Preview

if TYPE_CHECKING:
    from qexport.serve.pdfs import PdfBuilder

CARD = re.compile(r"/card/([^/]+)/(front|back)-(day|night)\.html")
CARD_MEDIA = re.compile(r"/card/([^/]+)/([^/]+)")
PDF = re.compile(r"/pdf/([a-z]+\.pdf)")
ASSETS = {"/app.js": "text/javascript", "/app.css": "text/css"}
KEEP_ALIVE = 15.0  # seconds between comments on an idle event stream
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


class Events:
    """Every open event stream's queue; `send` reaches them all."""

    def __init__(self) -> None:
        self._queues: set[queue.Queue[str | None]] = set()
        self._lock = threading.Lock()

    def open(self) -> queue.Queue[str | None]:
        stream: queue.Queue[str | None] = queue.Queue()
        with self._lock:
            self._queues.add(stream)
        return stream

    def close(self, stream: queue.Queue[str | None]) -> None:
        with self._lock:
            self._queues.discard(stream)

    def send(self, event: str, data: dict[str, Any]) -> None:
        message = f"event: {event}\ndata: {json.dumps(data)}\n\n"
        with self._lock:
            for stream in self._queues:
                stream.put(message)

    def end(self) -> None:
        """Close every stream: the server is stopping."""
        with self._lock:
            for stream in self._queues:
                stream.put(None)


class Site:
    """What the handler serves: the preview, the PDFs, and the event streams."""

    def __init__(self, preview: Preview, pdfs: PdfBuilder, events: Events) -> None:
        self.preview = preview
        self.pdfs = pdfs
        self.events = events


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if not self._local_host():
            self._send(HTTPStatus.FORBIDDEN, b"Forbidden: not a local host name\n", "text/plain")
            return
        path = unquote(urlsplit(self.path).path)
        site = self.server.site
        if path == "/events":
            self._events(site)
            return
        found = self._route(site, path)
        if found is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain")
        else:
            self._send(HTTPStatus.OK, *found)

    def do_HEAD(self) -> None:
        self.do_GET()

    def _route(self, site: Site, path: str) -> tuple[bytes, str] | None:
        preview = site.preview
        snapshot = preview.snapshot
        if path == "/":
            return pages.app_page(preview, site.pdfs.links()).encode(), "text/html; charset=utf-8"
        if path == "/list":
            return pages.list_html(snapshot).encode(), "text/html; charset=utf-8"
        if path in ASSETS:
            return pages.asset(path[1:]), ASSETS[path]
        if snapshot is not None and (card := CARD.fullmatch(path)):
            page = pages.card_page(snapshot, *card.groups())
            return (page.encode(), "text/html; charset=utf-8") if page is not None else None
        if snapshot is not None and (media := CARD_MEDIA.fullmatch(path)):
            return _read(snapshot.media.get(media.group(2)), _image_type(media.group(2)))
        if pdf := PDF.fullmatch(path):
            return _read(site.pdfs.file(pdf.group(1)), "application/pdf")
        return None

    def _events(self, site: Site) -> None:
        stream = site.events.open()
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            hello = json.dumps({"version": site.preview.version})
            self.wfile.write(f"event: hello\ndata: {hello}\n\n".encode())
            self.wfile.flush()
            while True:
                try:
                    message = stream.get(timeout=KEEP_ALIVE)
                except queue.Empty:
                    message = ": still here\n\n"
                if message is None:
                    break
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away
        finally:
            site.events.close(stream)
            self.close_connection = True

    def _send(self, status: HTTPStatus, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _local_host(self) -> bool:
        host = self.headers.get("Host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        bound = self.server.server_address[0]
        return name in LOCAL_HOSTS or name == bound or bound not in LOCAL_HOSTS

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows rebuilds and errors, not every request


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # open event streams never hold up Ctrl-C
    site: Site

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A page closed mid-request is routine; anything else is a bug, shown as one."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _read(path: Path | None, content_type: str) -> tuple[bytes, str] | None:
    if path is None:
        return None
    try:
        return path.read_bytes(), content_type
    except OSError:
        return None


def _image_type(name: str) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(name)
    return guessed if guessed and guessed.startswith("image/") else "application/octet-stream"


def make_server(host: str, port: int, site: Site) -> PreviewServer:
    server = PreviewServer((host, port), Handler)
    server.site = site
    return server
