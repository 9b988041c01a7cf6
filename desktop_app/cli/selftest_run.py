"""The campaign runner behind `b12k selftest` (imported only when the command runs).

It runs the campaign modules of tests/safety in a child pytest and reads the figures each
campaign's tally writes. See desktop_app/cli/selftest_cmds.py for the command line.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from desktop_app.cli.selftest_cmds import CAMPAIGNS
from desktop_app.logic.errors import B12KError

#: What the campaigns need besides the program itself (import name, package name).
TEST_DEPENDENCIES = (("pytest", "pytest"), ("hypothesis", "hypothesis"), ("pytestqt", "pytest-qt"))
INSTALL_HINT = (
    "Install the test dependencies into this environment: "
    "pip install -c requirements.lock -e '.[test]' (or run: bash scripts/setup.sh)."
)


class SelftestError(B12KError):
    """The self-test cannot run here; the message says what is missing and what to do."""


@dataclass(frozen=True)
class Figures:
    """One campaign's figures as its tally reported them."""

    campaign: str
    cases: int
    failures: int
    files_lost: int
    known_defects: int
    seed: str = ""


def campaigns_folder() -> Path:
    """Return tests/safety of the source checkout this program runs from."""
    return Path(__file__).resolve().parents[2] / "tests" / "safety"


def check_can_run(folder: Path) -> None:
    """Raise SelftestError unless the campaigns and their test dependencies are present."""
    missing = [
        package for module, package in TEST_DEPENDENCIES if importlib.util.find_spec(module) is None
    ]
    if missing:
        raise SelftestError(
            f"b12k selftest needs {', '.join(missing)}, which is not installed. {INSTALL_HINT}"
        )
    if not (folder / "campaign.py").is_file():
        raise SelftestError(
            f"b12k selftest needs the campaign tests of a source checkout, and {folder} has none "
            "(an installed wheel does not carry tests). Run it from the repository."
        )


def read_figures(report: Path) -> list[Figures]:
    """Read the JSON lines the campaigns wrote (the last record of each campaign wins)."""
    found: dict[str, Figures] = {}
    if report.exists():
        for line in report.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                found[rec["campaign"]] = Figures(
                    rec["campaign"],
                    rec["cases"],
                    rec["failures"],
                    rec["files_lost"],
                    rec.get("known_defects", 0),
                    str(rec.get("seed", "")),
                )
    return list(found.values())


def format_figures(figures: list[Figures], size: str, seed: str) -> str:
    """Return the table printed at the end: one row per campaign."""
    lines = [
        f"Safety campaigns (size {size}, seed {seed})",
        f"{'campaign':<22}{'cases tried':>12}{'failures':>10}{'files lost':>12}"
        f"{'known defects':>15}",
    ]
    for f in figures:
        lines.append(
            f"{f.campaign:<22}{f.cases:>12,}{f.failures:>10,}{f.files_lost:>12,}{f.known_defects:>15,}"
        )
    total = Figures(
        "total",
        *(
            sum(getattr(f, k) for f in figures)
            for k in ("cases", "failures", "files_lost", "known_defects")
        ),
    )
    lines.append(
        f"{total.campaign:<22}{total.cases:>12,}{total.failures:>10,}{total.files_lost:>12,}"
        f"{total.known_defects:>15,}"
    )
    return "\n".join(lines)


def run_campaigns(names: list[str], size: str, seed: int | None, extra: list[str]) -> int:
    """Run the campaigns in a child pytest; print the figures; return 0 only when all passed."""
    folder = campaigns_folder()
    check_can_run(folder)
    root = folder.parents[1]
    with tempfile.TemporaryDirectory(prefix="b12k-selftest-") as tmp:
        report = Path(tmp) / "figures.jsonl"
        env = dict(os.environ, B12K_CAMPAIGN_SIZE=size, B12K_CAMPAIGN_REPORT=str(report))
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        if seed is not None:
            env["B12K_CAMPAIGN_SEED"] = str(seed)
        command = [
            sys.executable,
            "-m",
            "pytest",
            *(str(folder / CAMPAIGNS[n]) for n in names),
            "-q",
            "-p",
            "no:cacheprovider",
            *extra,
        ]
        print("Running: " + " ".join(command[2:]), flush=True)
        status = subprocess.run(command, cwd=root, env=env, check=False).returncode
        figures = read_figures(report)
    print()
    print(format_figures(figures, size, figures[0].seed if figures else str(seed or "fixed")))
    failed = status != 0 or not figures or any(f.failures or f.files_lost for f in figures)
    if not figures:
        print(f"No campaign ran (pytest exit status {status}).")
    print(f"Result: {'FAILED' if failed else 'PASSED'} (pytest exit status {status})")
    return 1 if failed else 0
