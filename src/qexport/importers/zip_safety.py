"""Reading members of an untrusted zip file (an Anki package) within limits.

A zip header can claim any size, so nothing here trusts one: each member is
streamed with a cap on what it expands to, and a member that expands far more
than compression allows for real data (a zip bomb) is refused early. The same
caps hold for the zstd frames inside new packages, whose headers may lie too.
Media file names come from the package: `media_name_problem` says why one
must not become a file name, so a reader can skip it and say why.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from qexport.errors import ContentError

# Module constants, not arguments: tests lower them to build small bombs.
MAX_MEMBER_BYTES = 256 * 1024 * 1024  # one collection or media file, expanded
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # everything read from one package
MAX_MEMBERS = 100_000
# Text and SQLite pages compress 10-50 times; past this ratio, after RATIO_FLOOR
# bytes, the member is a bomb (deflate tops out near 1000, zstd far higher).
MAX_RATIO = 250
RATIO_FLOOR = 8 * 1024 * 1024
_CHUNK = 1024 * 1024
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

# What a broken or hostile zip raises from zipfile while reading.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # an encrypted member
    ValueError,
    OSError,
)


class Budget:
    """What one package may still expand to, shared by all its members."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.left = MAX_TOTAL_BYTES

    def error(self, message: str) -> ContentError:
        return ContentError(message, self.path)

    def take(self, name: str, size: int, packed: int) -> None:
        """Count `size` more bytes of member `name`, which took `packed` bytes in the zip."""
        if size > MAX_MEMBER_BYTES:
            raise self.error(f"'{name}' expands to more than {MAX_MEMBER_BYTES:,} bytes")
        if size > RATIO_FLOOR and size > MAX_RATIO * max(packed, 1):
            raise self.error(
                f"'{name}' expands more than {MAX_RATIO} times (a zip bomb?); not read"
            )
        if size > self.left:
            raise self.error(f"the package expands to more than {MAX_TOTAL_BYTES:,} bytes")


@contextmanager
def open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """The zip at `path`, or a clean error if it is none."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ContentError("no such file", path) from None
    except ZIP_ERRORS as problem:
        raise ContentError(
            f"not an Anki package (not a readable zip file: {problem})", path
        ) from None
    with archive:
        if len(archive.infolist()) > MAX_MEMBERS:
            raise ContentError(f"the package holds more than {MAX_MEMBERS:,} files", path)
        yield archive


def copy_member(
    archive: zipfile.ZipFile, name: str, out: IO[bytes], budget: Budget, *, zstd: bool = False
) -> int:
    """Stream member `name` (zstd-decompressed if `zstd`) into `out`; the bytes written."""
    info = archive.getinfo(name)
    written = 0
    try:
        with archive.open(info) as raw:
            stream: IO[bytes] = _zstd_reader(raw) if zstd else raw
            while chunk := stream.read(_CHUNK):
                written += len(chunk)
                budget.take(name, written, info.compress_size)
                out.write(chunk)
    except ContentError:
        raise
    except ZIP_ERRORS as problem:
        raise budget.error(f"'{name}' cannot be read: {problem}") from None
    except Exception as problem:  # zstandard.ZstdError is only importable lazily
        if type(problem).__name__ != "ZstdError":
            raise
        raise budget.error(f"'{name}' is not valid zstd data: {problem}") from None
    budget.left -= written
    return written


def read_member(
    archive: zipfile.ZipFile, name: str, budget: Budget, *, zstd: bool = False
) -> bytes:
    """Member `name` as bytes, within the budget."""
    out = io.BytesIO()
    copy_member(archive, name, out, budget, zstd=zstd)
    return out.getvalue()


def _zstd_reader(raw: IO[bytes]) -> IO[bytes]:
    import zstandard

    reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return reader


def has_member(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def media_name_problem(name: str) -> str | None:
    """Why `name` from a package must not become a media file's name, or None if it is a
    safe bare file name that Anki keeps as it is."""
    from qexport.media import anki_name_problem

    if not name:
        return "an empty name"
    if name in (".", "..") or "/" in name or "\\" in name:
        return "a path, not a file name"
    if name.startswith("."):
        return "a hidden file name (it starts with '.')"
    odd = next((c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Cs")), None)
    if odd is not None:
        return f"an invisible or control character (U+{ord(odd):04X})"
    if unicodedata.normalize("NFC", name) != name:
        return "a name not in Unicode NFC"
    return anki_name_problem(name)
