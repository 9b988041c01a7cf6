"""Small readers of FHIR JSON values shared by the import's modules."""

from __future__ import annotations

import math
import re
from typing import Any


def short_text(value: Any, limit: int = 120) -> str:
    """Return `value` as text of at most `limit` characters (for quoting it in a reason)."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_number(value: Any) -> bool:
    """Return True for a finite JSON number (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def value_str(value: Any) -> str:
    """Return a value as the report shows it (3.0 as 3)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def ref_key(reference: Any) -> str | None:
    """Normalise a reference: 'urn:uuid:…' stays; URLs and relative refs become 'Type/id'."""
    if not isinstance(reference, str) or not reference:
        return None
    if reference.startswith("urn:"):
        return reference
    parts = [p for p in reference.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}"
    return reference


def norm_id(value: str) -> str:
    """Return an identifier without spaces and case, for comparing two of them."""
    return re.sub(r"\s+", "", value).casefold()


def dict_at(obj: dict[str, Any], key: str) -> dict[str, Any]:
    """Return `obj[key]` when it is a JSON object, else an empty one."""
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def str_at(obj: dict[str, Any], key: str) -> str:
    """Return `obj[key]` when it is a string, else ''."""
    value = obj.get(key)
    return value if isinstance(value, str) else ""
