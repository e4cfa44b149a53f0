"""An SQLite file from someone else (an Anki collection in a package), opened to read only.

Every reader of such a file opens it this one way: read-only by URI, no writes
even through a pragma (`query_only`), and no SQL functions run from the file's
own schema, as its views, triggers or generated columns would (`trusted_schema`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_untrusted(path: Path) -> sqlite3.Connection:
    """A read-only connection to the database at `path`, which may hold anything."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        connection.execute("PRAGMA query_only = ON")
        connection.execute("PRAGMA trusted_schema = OFF")
    except sqlite3.Error:
        connection.close()
        raise
    return connection
