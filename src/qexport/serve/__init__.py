"""`qexport serve`: write a question and see its card, phone-sized, day and night, as you save.

The content folder is watched (watchfiles: the system's own change events,
so a save shows in a few hundredths of a second, with polling where a system
has none). Each save reloads the content, renders only what changed, and
tells the open pages over server-sent events (a plain HTTP response that
browsers reconnect by themselves; the page never sends anything back, so
nothing needs a WebSocket). The server is the standard library's: one
author, one machine. Nothing is written into the content or a release.
"""

from __future__ import annotations

import signal
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any

import click

from qexport.errors import QexportError
from qexport.serve.pdfs import PdfBuilder
from qexport.serve.server import Events, PreviewServer, Site, make_server
from qexport.serve.state import Preview, Update
from qexport.serve.watch import Watcher

__all__ = ["serve"]


def serve(content_dir: Path, host: str, port: int, theme: str, open_browser: bool) -> None:
    """Serve the preview until Ctrl-C (or SIGTERM)."""
    if not content_dir.is_dir():
        raise QexportError(f"{content_dir}: no such content directory (use --content DIR)")
    signal.signal(signal.SIGTERM, _interrupt)  # a stop from a test or a process manager
    events = Events()
    pdfs = PdfBuilder(content_dir, lambda: events.send("pdfs", {"html": pdfs.links()}))
    site = Site(Preview(content_dir, theme), pdfs, events)
    watcher = Watcher(content_dir, lambda: _rebuild(site))
    try:
        watcher.start()  # before the first load: a save during it is seen
        _rebuild(site)
        server = _server(host, port, site)
    except BaseException:
        watcher.stop()
        pdfs.stop()
        raise
    serving = threading.Thread(target=server.serve_forever, name="qexport-http", daemon=True)
    try:  # from here a stop at any moment is a clean one
        address = f"http://{_url_host(host)}:{server.server_address[1]}/"
        serving.start()
        click.echo(f"Serving {address}")
        click.echo("Watching for changes; press Ctrl-C to stop.", err=True)
        if open_browser:
            webbrowser.open(address)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        site.events.end()
        if serving.is_alive():  # shutdown() waits for serve_forever, which must have begun
            server.shutdown()
        server.server_close()
        pdfs.stop()
    click.echo("Stopped.", err=True)


def _server(host: str, port: int, site: Site) -> PreviewServer:
    try:
        return make_server(host, port, site)
    except OSError as exc:
        raise QexportError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _rebuild(site: Site) -> None:
    """Load the content again and tell the pages; a bug is reported, and serving goes on."""
    try:
        _update(site)
    except Exception as exc:
        click.echo(f"qexport serve: internal error: {type(exc).__name__}: {exc}", err=True)


def _update(site: Site) -> None:
    started = time.perf_counter()
    update = site.preview.rebuild()
    if not update.errors:
        site.pdfs.request(update.version)
    site.events.send("update", _update_data(site, update))
    _report(update, time.perf_counter() - started)


def _update_data(site: Site, update: Update) -> dict[str, Any]:
    from qexport.serve import pages

    snapshot = site.preview.snapshot
    entries = {}
    if snapshot is not None and not update.structure:
        entries = {
            qid: pages.entry_html(snapshot, qid) for qid in (*update.changed, *update.moved)
        }
    return {
        "version": update.version,
        "changed": list(update.changed),
        "structure": update.structure,
        "entries": entries,
        "problems": pages.problems_html(update.errors),
        "count": pages.count_text(snapshot),
    }


def _report(update: Update, seconds: float) -> None:
    if update.errors:
        for problem in update.errors:
            click.echo(problem.text, err=True)
        return
    count = len(update.changed)
    cards = f"{count} card{'s' if count != 1 else ''}"
    what = f"loaded {cards}" if update.version == 1 else f"rebuilt: {cards} changed"
    click.echo(f"{what} in {seconds:.2f} s", err=True)
