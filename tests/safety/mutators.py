"""Mutators that damage a valid JSON file in the ways files get damaged (shared by the campaigns).

Each mutator takes a seeded `random.Random`, the file's bytes and its parsed JSON, and returns a
label of what it did and the damaged bytes.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from typing import Any

from desktop_app.storage.plan_files import MAX_PLAN_FILE_BYTES

Json = Any
Mutator = Callable[[random.Random, bytes, Json], tuple[str, bytes]]


# ----- JSON helpers -------------------------------------------------------------------------------


def _paths(doc: Json, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in the document (objects by key, arrays by index)."""
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out += _paths(value, (*prefix, i))
    return out


def _get(doc: Json, path: tuple[Any, ...]) -> Json:
    for part in path:
        doc = doc[part]
    return doc


def _set(doc: Json, path: tuple[Any, ...], value: Json) -> Json:
    if not path:
        return value
    parent = _get(doc, path[:-1])
    parent[path[-1]] = value
    return doc


def _copy(doc: Json) -> Json:
    return json.loads(json.dumps(doc))


def _dumps(doc: Json) -> bytes:
    return json.dumps(doc, indent=1, allow_nan=True).encode()


# ----- the mutators -------------------------------------------------------------------------------

HUGE = [
    "1e308",
    "-1e308",
    "1e309",
    "-1e309",
    "1" + "0" * 400,
    "9" * 5000,
    "4.9e-324",
    "-0.0",
    "1e-400",
]
CONSTANTS = ["NaN", "Infinity", "-Infinity"]
VERSIONS = [
    "2.0.0",
    "99.0.0",
    "1.0",
    "",
    "v1.0.0",
    "1.0.0-beta",
    "0.0.0",
    "1.0.0.0",
    "\u0661.0.0",
    " 1.0.0",
    "1.x.0",
    "10000000000000000000000.0.0",
]
WRONG_TYPES: list[Json] = [
    True,
    False,
    None,
    0,
    1,
    -1,
    3.5,
    "",
    "text",
    "4.2",
    "true",
    "2026-11-26",
    1764140400,
    [],
    [1],
    {},
    {"value": 1},
]


def m_truncate(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    return "truncated", data[: r.randrange(0, len(data))]


def m_flip_bytes(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    b = bytearray(data)
    for _ in range(r.randint(1, 8)):
        i = r.randrange(len(b))
        b[i] = r.randrange(256)
    return "random bytes (flipped)", bytes(b)


def m_insert_bytes(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    i = r.randrange(len(data) + 1)
    return "random bytes (inserted)", data[:i] + r.randbytes(r.randint(1, 64)) + data[i:]


def m_overwrite_span(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    i = r.randrange(len(data))
    n = r.randint(1, 512)
    return "random bytes (span overwritten)", data[:i] + r.randbytes(n) + data[i + n :]


def m_zeroes(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    i = r.randrange(len(data))
    return "NUL bytes (power cut during write)", data[:i] + b"\0" * (len(data) - i)


def m_encoding(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    choice = r.randrange(4)
    if choice == 0:
        return "BOM prefixed", b"\xef\xbb\xbf" + data
    if choice == 1:
        return "UTF-16", data.decode("utf-8").encode("utf-16")
    if choice == 2:
        return "latin-1 text", json.dumps(
            _with_string(r, doc, "Ren\u00e9e \u00d6zt\u00fcrk"), ensure_ascii=False
        ).encode("latin-1", "replace")
    return "invalid UTF-8 sequence", data.replace(b'"', b'"\xc3\x28', 1)


def _with_string(r: random.Random, doc: Json, text: str) -> Json:
    doc = _copy(doc)
    strings = [p for p in _paths(doc) if isinstance(_get(doc, p), str)]
    if strings:
        _set(doc, r.choice(strings), text)
    return doc


def m_wrong_type(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    doc = _copy(doc)
    path = r.choice(_paths(doc)[1:])
    original = _get(doc, path)
    candidates = [v for v in WRONG_TYPES if type(v) is not type(original)]
    _set(doc, path, r.choice(candidates))
    return "wrong type", _dumps(doc)


def m_deep_nesting(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    doc = _copy(doc)
    path = r.choice(_paths(doc)[1:])
    depth = r.choice([50, 500, 5_000, 100_000])
    opener, closer = r.choice([("[", "]"), ('{"a":', "}")])
    marker = "\u0000NEST\u0000"
    _set(doc, path, marker)
    text = json.dumps(doc)
    return "deep nesting", text.replace(
        json.dumps(marker), opener * depth + "1" + closer * depth
    ).encode()


def m_huge_number(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    doc = _copy(doc)
    numbers = [
        p
        for p in _paths(doc)
        if isinstance(_get(doc, p), int | float) and not isinstance(_get(doc, p), bool)
    ]
    path = r.choice(numbers or _paths(doc)[1:])
    marker = "\u0000NUM\u0000"
    _set(doc, path, marker)
    return "huge number", json.dumps(doc).replace(json.dumps(marker), r.choice(HUGE)).encode()


def m_nan(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    doc = _copy(doc)
    numbers = [
        p
        for p in _paths(doc)
        if isinstance(_get(doc, p), int | float) and not isinstance(_get(doc, p), bool)
    ]
    path = r.choice(numbers or _paths(doc)[1:])
    marker = "\u0000NAN\u0000"
    _set(doc, path, marker)
    return "NaN/Infinity", json.dumps(doc).replace(json.dumps(marker), r.choice(CONSTANTS)).encode()


def m_duplicate_key(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    text = data.decode("utf-8")
    keys = list(re.finditer(r'"([A-Za-z_][A-Za-z0-9_]*)"\s*:\s*', text))
    m = r.choice(keys)
    # Insert a second copy of the same key with a different (plausible) value right after the first.
    insert = f'"{m.group(1)}": {json.dumps(r.choice(WRONG_TYPES[:8]))}, '
    return "duplicated key", (text[: m.start()] + insert + text[m.start() :]).encode()


def m_unknown_field(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    doc = _copy(doc)
    objects = [p for p in _paths(doc) if isinstance(_get(doc, p), dict)]
    target = _get(doc, r.choice(objects))
    target[r.choice(["extra", "potassium_mmol", "valu", "Value", "comment", "__proto__"])] = (
        r.choice(WRONG_TYPES)
    )
    return "unknown field", _dumps(doc)


def m_remove_key(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    doc = _copy(doc)
    keyed = [p for p in _paths(doc)[1:] if isinstance(p[-1], str)]
    path = r.choice(keyed)
    del _get(doc, path[:-1])[path[-1]]
    return "removed key", _dumps(doc)


def m_swap_container(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    doc = _copy(doc)
    containers = [p for p in _paths(doc) if isinstance(_get(doc, p), dict | list)]
    path = r.choice(containers)
    value = _get(doc, path)
    swapped = (
        list(value.values())
        if isinstance(value, dict)
        else {str(i): v for i, v in enumerate(value)}
    )
    return "swapped container", _dumps(_set(doc, path, swapped))


def m_schema_version(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    doc = _copy(doc)
    choice = r.randrange(4)
    if choice == 0:
        del doc["schema_version"]
    elif choice == 1:
        doc["schema_version"] = r.choice(WRONG_TYPES)
    else:
        doc["schema_version"] = r.choice(VERSIONS)
    return "wrong schema_version", _dumps(doc)


def m_long_string(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    length = r.choice([201, 5_000, 1_500_000])
    return "very long string", json.dumps(_with_string(r, doc, "x" * length)).encode()


def m_large_file(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    pad = r.choice([MAX_PLAN_FILE_BYTES + 1, 3_000_000])
    return "very large file", data.rstrip() + b" " * pad + b"\n"


def m_not_an_object(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    return "not an object", json.dumps(r.choice([[doc], "plan", 42, None, True, [], {}])).encode()


def m_reordered(r: random.Random, data: bytes, doc: Json) -> tuple[str, bytes]:
    """A harmless change: keys in another order, other whitespace (must still load, unchanged)."""
    items = list(doc.items())
    r.shuffle(items)
    return "reordered (harmless)", json.dumps(dict(items), indent=r.choice([None, 0, 4])).encode()


MUTATORS: list[Mutator] = [
    m_truncate,
    m_flip_bytes,
    m_insert_bytes,
    m_overwrite_span,
    m_zeroes,
    m_encoding,
    m_wrong_type,
    m_wrong_type,
    m_wrong_type,
    m_deep_nesting,
    m_huge_number,
    m_nan,
    m_duplicate_key,
    m_unknown_field,
    m_remove_key,
    m_remove_key,
    m_swap_container,
    m_schema_version,
    m_long_string,
    m_large_file,
    m_not_an_object,
    m_reordered,
]
