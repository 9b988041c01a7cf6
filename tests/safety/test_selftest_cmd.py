"""`b12k selftest`: registered, explains what is missing, runs campaigns and prints the figures."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import COMMAND_MODULES, build_parser, main, selftest_cmds
from desktop_app.cli import selftest_run as st

HERE = Path(__file__).resolve().parent


def test_selftest_is_a_registered_command_with_every_campaign() -> None:
    assert "desktop_app.cli.selftest_cmds" in COMMAND_MODULES
    args = build_parser().parse_args(["selftest", "--size", "release", "--campaign", "engine"])
    assert (args.size, args.campaign) == ("release", ["engine"])
    assert st.campaigns_folder() == HERE
    for module in selftest_cmds.CAMPAIGNS.values():
        assert (HERE / module).is_file(), module
    assert sorted(selftest_cmds.CAMPAIGNS.values()) == sorted(
        p.name for p in HERE.glob("test_campaign_*.py") if p.name != "test_campaign_regressions.py"
    )


def test_missing_pytest_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        st.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pytest" else real(name, *a),
    )
    assert main(["selftest"]) == 2
    err = capsys.readouterr().err
    assert "needs pytest" in err and "pip install" in err and "Traceback" not in err


def test_missing_campaigns_folder_is_explained(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(st, "campaigns_folder", lambda: tmp_path / "tests" / "safety")
    assert main(["selftest"]) == 2
    assert "source checkout" in capsys.readouterr().err


def test_figures_table() -> None:
    figures = [
        st.Figures("engine", 1410, 0, 0, 0, "7"),
        st.Figures("files under faults", 15_592, 1, 1, 2, "7"),
    ]
    table = st.format_figures(figures, "ci", "7")
    assert table.splitlines()[0] == "Safety campaigns (size ci, seed 7)"
    assert "engine" in table and "15,592" in table
    assert table.splitlines()[-1].split() == ["total", "17,002", "1", "1", "2"]


def test_read_figures_keeps_the_last_record_of_each_campaign(tmp_path: Path) -> None:
    report = tmp_path / "r.jsonl"
    rows = [
        {"campaign": "engine", "cases": 1, "failures": 0, "files_lost": 0, "seed": 3},
        {"campaign": "engine", "cases": 5, "failures": 1, "files_lost": 0, "seed": 3},
    ]
    report.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert st.read_figures(report) == [st.Figures("engine", 5, 1, 0, 0, "3")]
    assert st.read_figures(tmp_path / "none.jsonl") == []


def test_selftest_runs_a_campaign_and_prints_its_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["selftest", "--campaign", "faults", "--", "-k", "missing_folder or simulated"])
    out = capsys.readouterr().out
    assert status == 0, out
    row = next(line for line in out.splitlines() if line.startswith("files under faults"))
    assert row.split()[-4:] == ["3", "0", "0", "0"]
    assert "Result: PASSED" in out


def test_selftest_fails_when_no_campaign_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest", "--campaign", "faults", "--", "-k", "no_such_test_anywhere"]) == 1
    out = capsys.readouterr().out
    assert "No campaign ran" in out and "Result: FAILED" in out


def test_selftest_fails_when_a_campaign_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A campaign that reports a failure or a lost file fails selftest (child run simulated)."""

    def fake_run(command: list[str], cwd: Any, env: dict[str, str], check: bool) -> Any:
        Path(env["B12K_CAMPAIGN_REPORT"]).write_text(
            json.dumps(
                {
                    "campaign": "files under faults",
                    "cases": 4,
                    "failures": 1,
                    "files_lost": 1,
                    "seed": 1,
                }
            )
            + "\n"
        )

        class Done:
            returncode = 1

        return Done()

    monkeypatch.setattr(st.subprocess, "run", fake_run)
    assert main(["selftest", "--campaign", "faults"]) == 1
    out = capsys.readouterr().out
    assert "Result: FAILED (pytest exit status 1)" in out
