"""Composition root of the GUI (filled in by the GUI issue)."""

from __future__ import annotations

import sys


def main() -> int:
    """Start the window."""
    print("The B12-K Planner window is not built yet; use the b12k command.", file=sys.stderr)
    return 1
