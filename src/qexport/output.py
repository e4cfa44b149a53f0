"""Writing artifacts into the output directory without ever half-replacing one.

An exporter writes into a private staging directory beside `out_dir`; only
when it has finished are its files moved into place, each with an atomic
rename. A failed or interrupted export leaves `out_dir` as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from qexport.errors import QexportError
from qexport.registry import Artifact

STAGING_PREFIX = ".qexport-export-"  # not the release's: `qexport all` tidies only its own


def replace_text(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace the file at `path` with `text`: readers see the old file or the new, never half.

    Raises OSError; the temporary file beside `path` is removed first.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # surrogateescape: file names that are not UTF-8 are written back as they were read
        with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape") as out:
            out.write(text)
        os.chmod(temporary, mode)  # mkstemp makes files private
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def publish(out_dir: Path, build: Callable[[Path], Sequence[Artifact]]) -> list[Artifact]:
    """Run `build(staging_dir)`, then move what it wrote into `out_dir`."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir.parent))
    except OSError as exc:
        raise QexportError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    try:
        built = build(staging)
        published = []
        for artifact in built:
            relative = artifact.path.relative_to(staging)
            target = out_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(artifact.path, target)
            published.append(replace(artifact, path=target))
        return published
    except OSError as exc:
        raise QexportError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
