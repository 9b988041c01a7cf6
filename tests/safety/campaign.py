"""What every safety campaign shares: its size, its seed and its tally of cases and failures.

A campaign is a test module under tests/safety/ named ``test_campaign_<name>.py``. Each counts
what it tried in a `Tally` and records every violation there before it asserts, so that the
summary printed at the end of the run (see conftest.py) says how many cases were tried, how many
failed and how many files were lost, whatever the outcome. `b12k selftest` reads the same figures
from the JSON-lines file named by ``B12K_CAMPAIGN_REPORT``.

Size: ``B12K_CAMPAIGN_SIZE=ci`` (the default, small enough for every CI run) or ``release``.
Seed: fixed (`SEED`); ``B12K_CAMPAIGN_SEED`` changes it to explore further, and the summary prints
the seed so any failure can be replayed.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

SIZE_ENV = "B12K_CAMPAIGN_SIZE"
SEED_ENV = "B12K_CAMPAIGN_SEED"
REPORT_ENV = "B12K_CAMPAIGN_REPORT"
SIZES = ("ci", "release")

#: The fixed seed of every campaign (the date of the demo patient's first dose).
DEFAULT_SEED = 20261126

#: How many details of failures a tally keeps for the assertion message.
_KEPT_DETAILS = 20


def size() -> str:
    """Return the campaign size chosen by the environment ('ci' unless set)."""
    chosen = os.environ.get(SIZE_ENV, "ci").strip().lower() or "ci"
    if chosen not in SIZES:
        raise ValueError(f"{SIZE_ENV}={chosen!r}: use one of {', '.join(SIZES)}")
    return chosen


def seed() -> int:
    """Return the campaign seed (fixed unless B12K_CAMPAIGN_SEED is set)."""
    text = os.environ.get(SEED_ENV, "").strip()
    return int(text) if text else DEFAULT_SEED


def scaled(ci: int, release: int) -> int:
    """Return the number of cases for the chosen size."""
    return ci if size() == "ci" else release


def rng(salt: str) -> random.Random:
    """Return a random generator seeded by the campaign seed and a per-use salt (reproducible)."""
    return random.Random(f"{seed()}:{salt}")


@dataclass
class Tally:
    """Cases tried, failures and files lost by one campaign; printed at the end of the run."""

    name: str
    cases: int = 0
    failures: int = 0
    files_lost: int = 0
    known_defects: int = 0
    details: list[str] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    _mark: tuple[int, int] = (0, 0)

    def begin(self) -> None:
        """Start a new test: check() then judges only what this test recorded."""
        self._mark = (self.failures, len(self.details))

    def tried(self, n: int = 1) -> None:
        """Count `n` cases tried."""
        self.cases += n

    def fail(self, detail: str) -> None:
        """Record one failed case with what went wrong (kept for the assertion message)."""
        self.failures += 1
        if len(self.details) < _KEPT_DETAILS:
            self.details.append(detail)

    def lost(self, detail: str) -> None:
        """Record one file lost or mixed (also a failure)."""
        self.files_lost += 1
        self.fail(detail)

    def known(self, detail: str) -> None:
        """Record a case that hit a known defect already pinned by a strict-xfail test."""
        self.known_defects += 1
        self.count(f"known: {detail}")

    def count(self, key: str, n: int = 1) -> None:
        """Count an outcome class (for example 'refused: PlanFileError')."""
        self.counters[key] = self.counters.get(key, 0) + n

    def check(self) -> None:
        """Fail the test, listing its failures, if it recorded any (see begin())."""
        new = self.failures - self._mark[0]
        assert new == 0, (
            f"campaign {self.name}: {new} failure(s) in this test ({self.cases} cases so far, "
            f"{self.files_lost} file(s) lost; seed {seed()}, size {size()}):\n  "
            + "\n  ".join(self.details[self._mark[1] :])
        )

    def summary(self) -> str:
        """One line: the figures the issue asks for."""
        line = (
            f"{self.name}: {self.cases} cases tried, {self.failures} failures, "
            f"{self.files_lost} files lost"
        )
        if self.known_defects:
            line += f", {self.known_defects} hit known defects (strict xfail)"
        return line


_TALLIES: dict[str, Tally] = {}


def tally(name: str) -> Tally:
    """Return the tally of the campaign `name` (one per run)."""
    if name not in _TALLIES:
        _TALLIES[name] = Tally(name)
    return _TALLIES[name]


def begin_test() -> None:
    """Mark every tally at the start of a test."""
    for t in _TALLIES.values():
        t.begin()


def all_tallies() -> list[Tally]:
    """Return every tally that counted something in this run, in the order they were first used."""
    return [t for t in _TALLIES.values() if t.cases or t.failures]
