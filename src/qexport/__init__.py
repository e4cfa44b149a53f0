"""qexport: turn a Markdown question bank into Anki decks, print-ready PDFs and CSV."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qexport")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
