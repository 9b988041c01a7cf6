"""Fixtures for the order-sheet tests: each golden plan is evaluated and rendered once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pytest

from desktop_app.logic.plan import Plan
from desktop_app.report import SheetOptions, render_order_sheet
from desktop_app.report.content import SheetContent, build_content
from desktop_app.report.lint import extract_pages
from tests.report.cases import CASES


@dataclass(frozen=True)
class Rendered:
    """A golden case: its plan, content, PDF bytes and extracted page texts."""

    name: str
    plan: Plan
    content: SheetContent
    pdf: bytes
    pages: tuple[str, ...]

    @property
    def text(self) -> str:
        """All pages, whitespace collapsed (line wrapping removed)."""
        return norm(" ".join(self.pages))


def norm(text: str) -> str:
    """Collapse whitespace (including non-breaking spaces) to single spaces."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


@cache
def rendered(name: str, paper: str = "a4") -> Rendered:
    """Evaluate and render a golden case once per test session."""
    plan = CASES[name]()
    pdf = render_order_sheet(plan, SheetOptions(paper=paper))
    return Rendered(name, plan, build_content(plan), pdf, tuple(extract_pages(pdf)))


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> Rendered:
    """Every golden case, rendered."""
    return rendered(request.param)


@pytest.fixture
def render() -> Callable[[str], Rendered]:
    """Render a golden case by name."""
    return rendered
