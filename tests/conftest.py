"""Shared test set-up: offscreen Qt by default (a developer may override to watch)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
