"""Run one example as a reader would, and record what each of its lines prints.

    python example_runner.py EXAMPLE.py RECORD.json

Runs on every CPython the tests try (3.10 and newer), with the standard library only.
Whatever the example writes to stdout is passed through, and also recorded with the
lines of the example that wrote it: the innermost line of the example's own code (a
`print` inside a function, a thread or a coroutine) and the outermost (the module
level statement running, such as the call of that function).
"""

from __future__ import annotations

import io
import json
import os
import runpy
import sys

script, record = os.path.abspath(sys.argv[1]), sys.argv[2]
printed: list[tuple[int, int, str]] = []  # (innermost line, outermost line, text)
real = sys.stdout


class Attributing(io.TextIOBase):
    def write(self, text: str) -> int:
        lines = []
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == script:
                lines.append(frame.f_lineno)
            frame = frame.f_back
        printed.append((lines[0], lines[-1], text) if lines else (0, 0, text))
        return real.write(text)

    def flush(self) -> None:
        real.flush()


sys.stdout = Attributing()
sys.argv = [script]
try:
    runpy.run_path(script, run_name="__main__")
finally:
    sys.stdout = real
    with open(record, "w", encoding="utf-8") as out:
        json.dump(printed, out)
