"""Log lines name no patient: a patient's name and identifier are masked in what is logged.

A log is kept for support and may be sent to IT; the register and the sheet are where a
patient is named (issue 16 item 8). File names often hold the identifier (the suggested sheet
name does), so paths are masked too before they are logged.
"""

from __future__ import annotations

import re

from desktop_app.logic.models import Patient

#: What a masked name or identifier reads as in the log.
MASK = "[patient]"


def masked(text: object, *secrets: str) -> str:
    """Return `text` with each secret, and each word of it, replaced by MASK (any letter case)."""
    words: set[str] = set()
    for secret in secrets:
        cleaned = secret.strip()
        if cleaned:
            words.add(cleaned)
            words.update(w for w in re.split(r"[\s(),]+", cleaned) if len(w) > 2)
    out = str(text)
    for word in sorted(words, key=len, reverse=True):  # the whole name before its parts
        out = re.sub(re.escape(word), MASK, out, flags=re.IGNORECASE)
    return out


def for_log(text: object, patient: Patient) -> str:
    """Return `text` with this patient's name and identifier masked."""
    return masked(text, patient.name, patient.identifier)


__all__ = ["MASK", "for_log", "masked"]
