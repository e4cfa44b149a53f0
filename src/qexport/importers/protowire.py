"""The few protobuf messages an Anki package holds, read from the wire format.

A new package's media list (`MediaEntries`), its `meta` (`PackageMetadata`) and
a note type's `config` (`Notetype.Config`, for its kind) are protobuf. Reading
three fields of three messages takes the wire format's four rules, here; the
protobuf library would need Anki's .proto files compiled into Python modules,
kept in step with its runtime, for the same three fields. Every read is bounded
by the bytes given, so a hostile message can only be refused, never make this
loop or allocate more than it holds.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class WireError(ValueError):
    """Bytes that are not a protobuf message."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise WireError("truncated or overlong varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """Each (field number, value) of a message: an int for scalars, bytes for the rest."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire_type = key >> 3, key & 7
        value: int | bytes
        if wire_type == VARINT:
            value, pos = _varint(data, pos)
        elif wire_type in (FIXED64, FIXED32):
            size = 8 if wire_type == FIXED64 else 4
            if pos + size > len(data):
                raise WireError("truncated fixed-size field")
            value = int.from_bytes(data[pos : pos + size], "little")
            pos += size
        elif wire_type == LENGTH:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise WireError("truncated length-delimited field")
            value = data[pos : pos + size]
            pos += size
        else:
            raise WireError(f"unsupported wire type {wire_type}")
        if number == 0:
            raise WireError("field number 0")
        yield number, value


def first_int(data: bytes, number: int, default: int = 0) -> int:
    """The last value of scalar field `number` (protobuf's rule), or `default`."""
    found = default
    for field_number, value in fields(data):
        if field_number == number and isinstance(value, int):
            found = value
    return found


def media_names(data: bytes) -> list[str]:
    """The file names of a `MediaEntries` message, in order: entry i is zip member str(i)."""
    names = []
    for number, entry in fields(data):
        if number != 1 or not isinstance(entry, bytes):
            continue
        name = ""
        for field_number, value in fields(entry):
            if field_number == 1 and isinstance(value, bytes):
                try:
                    name = value.decode("utf-8")
                except UnicodeDecodeError as problem:
                    raise WireError("a media name is not UTF-8") from problem
        names.append(name)
    return names
