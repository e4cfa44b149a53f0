"""qexport: turn a Markdown question bank into Anki decks, print-ready PDFs and CSV."""

from __future__ import annotations

# The theme used when none is named (themes/default). Kept here, not in themes.py,
# so that declaring the --theme option does not import the theme machinery.
DEFAULT_THEME = "default"


_version: list[str] = []  # found once: a release asks for it for every artifact


def __getattr__(name: str) -> str:
    # Looked up on demand: importlib.metadata is slow to import, and most commands never need it.
    if name == "__version__":
        if not _version:
            from importlib.metadata import PackageNotFoundError, version

            try:
                _version.append(version("qexport"))
            except PackageNotFoundError:  # pragma: no cover - running from a source tree
                _version.append("0.0.0")
        return _version[0]
    raise AttributeError(f"module 'qexport' has no attribute {name!r}")
