"""Page 1 says when the plan has DANGER warnings (issue 15 items 11, 12 and 14, looked at).

Their text is printed in WARNINGS after page 1 (page 1 has no room for it on Letter paper); page 1
says to read them, before the orders a nurse acts on.
"""

from __future__ import annotations

import pytest

from desktop_app.report import content as C
from desktop_app.report.first_page import DANGER_NOTICE
from tests.report.cases import CASES
from tests.report.conftest import norm, rendered


@pytest.mark.parametrize("paper", ("a4", "letter"))
@pytest.mark.parametrize("name", sorted(CASES))
def test_page_one_says_to_read_the_danger_warnings_before_the_orders(name: str, paper: str) -> None:
    case = rendered(name, paper)
    page = norm(case.pages[0])
    notice = norm(DANGER_NOTICE)
    danger = [w for w in case.content.warnings if w.danger]
    if not danger:
        assert notice not in page
        return
    assert notice in page and page.index(notice) < page.index(C.H_ORDERS_NOW)
    # and each is printed in full, marked DANGER, after page 1
    rest = norm(" ".join(case.pages[1:]))
    assert all(norm(w.text)[:60] in rest for w in danger)
    assert "DANGER" in rest


def test_the_demo_has_a_danger_warning_so_the_line_is_checked() -> None:
    assert any(w.danger for w in rendered("demo").content.warnings)
