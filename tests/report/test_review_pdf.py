"""The committee's review pack: `b12k protocol review` and `b12k protocol diff` (issue 14)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.logic.limits import shipped_limits
from desktop_app.logic.review import build_review
from desktop_app.report.lint import extract_pages
from desktop_app.report.review_pdf import render_review
from desktop_app.storage.protocols import load_protocol
from tests.report.cases import ROOT

UK = ROOT / "resources" / "protocols" / "uk-default.json"
US = ROOT / "resources" / "protocols" / "us-labels.json"


def _copy(tmp: Path, source: Path, name: str, tablets: float | None = None) -> Path:
    raw = json.loads(source.read_text(encoding="utf-8"))
    if tablets is not None:
        raw["potassium"]["bands"][2]["oral"]["units_per_dose"]["value"] = tablets
    raw["title"] = "Site copy"
    out = tmp / name
    out.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    return out


@cache
def _pack() -> tuple[bytes, tuple[str, ...]]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        site = load_protocol(_copy(Path(tmp), UK, "site.json", tablets=3))
    pdf = render_review(build_review(site, load_protocol(UK), shipped_limits()))
    return pdf, tuple(extract_pages(pdf))


def test_the_pack_prints_every_rule_its_source_limit_and_change() -> None:
    pdf, pages = _pack()
    assert pdf.startswith(b"%PDF-") and len(pages) > 10
    text = " ".join(" ".join(pages).split())
    assert "Protocol review pack for the approving committee" in text
    squeezed = "".join(text.split())  # a long rule id wraps inside its narrow column
    for rule_id in load_protocol(UK).protocol.all_rules():
        assert rule_id in squeezed, rule_id
    for part in (
        "CHANGED from the base",
        "value: 2 -> 3",
        "LIM-K-IV-RATE at most 10 mmol/hour",
        "LIM-ADULT-AGE at least 18 years",
        "LOCAL POLICY",
        "Alternatives: 20: Leeds/UCLH",
        "Specialist Pharmacy Service (NHS)",
        "The program's hard limits",
        "title B12 start: potassium, magnesium and phosphate (UK default, hydroxocobalamin) Site copy",
        "Sign-off",
        "Chair, drugs and therapeutics committee",
        "Clinical safety officer",
    ):
        assert part in text, part
    sha = load_protocol(UK).sha256
    assert sha in text  # the base's hash
    for n, page in enumerate(pages, start=1):
        assert f"Page {n}" in page and "Review pack: uk-default 0.1.0, SHA-256" in page


def test_the_pack_is_byte_stable() -> None:
    site = load_protocol(UK)
    review = build_review(site, site, shipped_limits())
    assert render_review(review) == render_review(review)


def test_cli_review_against_the_same_jurisdiction_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = _copy(tmp_path, US, "us-site.json")
    out = tmp_path / "review.pdf"
    assert main(["protocol", "review", str(site), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"Wrote {out}: review pack for us-labels 0.1.0" in err
    assert "0 changed from us-labels 0.1.0" in err
    text = " ".join(" ".join(extract_pages(out.read_bytes())).split())
    assert "us-labels version 0.1.0, file us-labels.json" in text
    # Named base: the UK default.
    assert main(["protocol", "review", str(site), "--against", str(UK), "-o", str(out)]) == 0
    assert "changed from uk-default 0.1.0" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.pdf", "us-site.json"]


def test_cli_review_refuses_a_crossing_protocol_and_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _copy(tmp_path, UK, "bad.json", tablets=10)
    out = tmp_path / "review.pdf"
    assert main(["protocol", "review", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "crosses a hard limit" in err and "K-MILD-TABLETS" in err and "LIM-K-ORAL-DOSE" in err
    assert not out.exists()
    assert main(["protocol", "review", str(UK), "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_cli_diff_prints_the_same_differences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = _copy(tmp_path, UK, "site.json", tablets=3)
    assert main(["protocol", "diff", str(UK), str(site)]) == 0
    out = capsys.readouterr().out
    assert "~ K-MILD-TABLETS potassium.bands[K-BAND-MILD].oral.units_per_dose.value: 2 -> 3" in out
    assert "2 difference(s)" in out
    assert main(["protocol", "diff", str(UK), str(UK)]) == 0
    assert "No differences in content" in capsys.readouterr().out


def test_cli_protocol_check_refuses_the_issue_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _copy(tmp_path, UK, "bad.json", tablets=10)
    assert main(["protocol", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "K-MILD-TABLETS 10 tablets x 12 mmol (K-SANDOK-MMOL): one dose of 120 mmol" in err
    assert "Traceback" not in err
