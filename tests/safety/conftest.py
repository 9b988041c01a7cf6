"""Safety campaigns: print each campaign's figures at the end; write them for selftest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.safety.campaign import REPORT_ENV, all_tallies, begin_test, seed, size


@pytest.fixture(autouse=True)
def _campaign_test_mark() -> None:
    """Each test's check() judges only the failures that test recorded."""
    begin_test()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print one line per campaign: cases tried, failures, files lost."""
    tallies = all_tallies()
    if not tallies:
        return
    terminalreporter.section(f"safety campaigns (size {size()}, seed {seed()})")
    for t in tallies:
        terminalreporter.write_line(t.summary())
        for key, n in sorted(t.counters.items()):
            terminalreporter.write_line(f"    {key}: {n}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Append the figures as JSON lines to $B12K_CAMPAIGN_REPORT (read by `b12k selftest`)."""
    target = os.environ.get(REPORT_ENV)
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as fh:
        for t in all_tallies():
            fh.write(
                json.dumps(
                    {
                        "campaign": t.name,
                        "size": size(),
                        "seed": seed(),
                        "cases": t.cases,
                        "failures": t.failures,
                        "files_lost": t.files_lost,
                        "known_defects": t.known_defects,
                    }
                )
                + "\n"
            )
