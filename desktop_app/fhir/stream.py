"""Reading a FHIR Bundle file one entry at a time, so that a large file is never held parsed.

`BundleFile(path).entries()` reads the file in blocks and yields each item of its top-level
`entry` array, parsed with the same strict rules as `read_fhir_bytes` (no duplicate keys, no NaN
or Infinity, no overflowing number, UTF-8 with an optional byte-order mark). Each call reads the
file again; `members` holds the top-level members other than `entry` after a complete read, and
`check_unchanged()` refuses a file whose bytes changed between two reads.

Anything this reader does not expect (broken JSON, a duplicate key, text after the object,
invalid UTF-8...) raises `NotStreamable`: the caller then reads the whole file with
`read_fhir_file`, which gives the exact reason (or, if the file is in fact valid, its content).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop_app.fhir.errors import FhirImportError

#: Bytes read at a time.
BLOCK_BYTES = 1 << 20

_SPACE = re.compile(r"[ \t\n\r]*")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key '{key}' appears twice in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> float:
    raise ValueError(f"'{name}' is not a number this file may contain")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number in the file is too large to be a value this file may contain")
    return value


def strict_decoder() -> json.JSONDecoder:
    """Return a decoder with the rules of `parse_json_strict` (tests/fhir/test_fhir_stream.py
    checks that both accept and refuse the same texts)."""
    return json.JSONDecoder(
        object_pairs_hook=_unique_keys, parse_constant=_no_constant, parse_float=_finite
    )


class NotStreamable(Exception):
    """The file is not a JSON object this reader can walk; read it whole instead."""


class _Text:
    """The decoded text of the file, a window at a time, with the position of the next value."""

    def __init__(self, blocks: Iterator[str]) -> None:
        self.blocks = blocks
        self.buffer = ""
        self.pos = 0
        self.ended = False
        self.decoder = strict_decoder()

    def _more(self) -> bool:
        """Drop what was read and append at least as much text again; False at the end."""
        wanted = max(1, len(self.buffer) - self.pos)
        parts = [self.buffer[self.pos :]]
        got = 0
        for block in self.blocks:
            parts.append(block)
            got += len(block)
            if got >= wanted:
                break
        else:
            self.ended = True
        self.buffer = "".join(parts)
        self.pos = 0
        return got > 0

    def peek(self) -> str:
        """Return the next character that is not white space ('' at the end of the file)."""
        while True:
            match = _SPACE.match(self.buffer, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if self.ended or not self._more():
                return ""

    def take(self, char: str) -> bool:
        """Consume `char` if it comes next."""
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def value(self) -> Any:
        """Parse and consume the next JSON value."""
        if not self.peek():
            raise NotStreamable("the file ends where a value was expected")
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if not self.ended and self._more():
                    continue  # the value goes on in the next block
                raise NotStreamable("not valid JSON") from None
            except (ValueError, RecursionError):
                raise NotStreamable("refused by the strict JSON rules") from None
            if end >= len(self.buffer) and not self.ended and self._more():
                continue  # a number at the end of the block may go on in the next one
            self.pos = end
            return value


class BundleFile:
    """A FHIR JSON file whose top-level `entry` array is read one item at a time."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.members: dict[str, Any] = {}
        self.streamed_entry = False
        self._digest: str | None = None
        self._last: str | None = None

    def _blocks(self, digest: Any) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        try:
            with self.path.open("rb") as stream:
                while block := stream.read(BLOCK_BYTES):
                    digest.update(block)
                    yield decoder.decode(block)
                yield decoder.decode(b"", final=True)
        except (OSError, UnicodeDecodeError):
            raise NotStreamable("the file cannot be read as UTF-8 text") from None

    def entries(self) -> Iterator[Any]:
        """Yield each item of the top-level `entry` array; then set `members`.

        Raises:
            NotStreamable: the file is not a JSON object this reader walks (read it whole).
        """
        digest = hashlib.sha256()
        text = _Text(self._blocks(digest))
        members: dict[str, Any] = {}
        streamed = False
        if not text.take("{"):
            raise NotStreamable("not a JSON object")
        if not text.take("}"):
            while True:
                key = text.value()
                if not isinstance(key, str) or key in members or not text.take(":"):
                    raise NotStreamable("not a JSON object with unique keys")
                if key == "entry" and text.take("["):
                    members[key] = None
                    streamed = True
                    if not text.take("]"):
                        while True:
                            yield text.value()
                            if text.take(","):
                                continue
                            if text.take("]"):
                                break
                            raise NotStreamable("entry is not a valid array")
                else:
                    members[key] = text.value()
                if text.take(","):
                    continue
                if text.take("}"):
                    break
                raise NotStreamable("not a valid JSON object")
        if text.peek():
            raise NotStreamable("text after the JSON object")
        if streamed:
            del members["entry"]
        self.members = members
        self.streamed_entry = streamed
        self._last = digest.hexdigest()
        if self._digest is None:
            self._digest = self._last

    def check_unchanged(self) -> None:
        """Refuse the file if its bytes differed between two complete reads."""
        if self._last != self._digest:
            raise FhirImportError(
                f"Refused: {self.path.name} changed while it was being read. Nothing was "
                "imported; import it again once it is complete."
            )
