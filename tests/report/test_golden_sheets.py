"""Golden sheets: each case's extracted text, page by page, is as recorded (tools/update_golden.py).

The recording names the reportlab and pypdf versions it was made with: with other versions the
tests say so and ask for a deliberate re-recording, rather than reporting a changed sheet.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.report import golden
from tests.report.cases import CASES, ROOT
from tests.report.conftest import rendered

RECORDING = golden.load()


def _comparable() -> None:
    why = golden.version_mismatch(RECORDING)
    if why is not None:
        pytest.fail(why)


def test_every_case_and_paper_is_recorded() -> None:
    expected = {golden.key(name, paper) for name in CASES for paper in golden.PAPERS}
    assert set(RECORDING.sheets) == expected


def test_the_recording_was_made_with_the_installed_libraries() -> None:
    _comparable()


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("paper", golden.PAPERS)
def test_golden_sheet_text_is_as_recorded(name: str, paper: str) -> None:
    _comparable()
    recorded = RECORDING.sheets[golden.key(name, paper)]
    fresh = golden.digest_of(rendered(name, paper).pdf)
    changed = [d for d in golden.differences(recorded, fresh) if "bytes" not in d]
    assert not changed, (
        f"{golden.key(name, paper)}: {'; '.join(changed)}. If the change is intended, look at "
        f"the sheet, then re-record with {golden.TOOL}."
    )


def test_a_version_change_asks_for_a_re_recording() -> None:
    older = golden.Recording({"reportlab": "0.1", "pypdf": "0.1"}, RECORDING.sheets)
    why = golden.version_mismatch(older)
    assert why is not None
    assert "reportlab 0.1" in why
    assert f"re-record with {golden.TOOL}" in why


def test_the_tool_reports_a_changed_page_and_re_records_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _comparable()
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "update_golden", ROOT / "tools" / "update_golden.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)

    path = tmp_path / "golden.json"
    shutil.copy(golden.GOLDEN_FILE, path)
    data = json.loads(path.read_text("utf-8"))
    data["sheets"]["demo/a4"]["pages"][1] = "0" * 64
    path.write_text(json.dumps(data), "utf-8")

    assert tool.main(["--check", "--file", str(path)]) == 1
    out = capsys.readouterr().out
    assert "demo/a4: the text of page(s) 2 changed" in out
    assert "us-meq/a4" not in out
    assert tool.main(["--file", str(path)]) == 0
    assert path.read_text("utf-8") == golden.GOLDEN_FILE.read_text("utf-8")
    assert tool.main(["--check", "--file", str(path)]) == 0
