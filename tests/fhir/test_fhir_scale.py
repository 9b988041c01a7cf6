"""Large FHIR files (issue 20): a Bundle read one entry at a time gives exactly the result of
reading it whole, a long report is summarised per test, and the full one stays available.

Memory and time are measured by benchmarks/fhir_import.py, never here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.cli import main
from desktop_app.fhir import (
    FhirImportError,
    import_fhir,
    read_fhir_file,
    render_import_report,
    stream,
)
from desktop_app.fhir.choosing import warn_refused_newer
from desktop_app.fhir.import_report import FULL_REPORT_MAX_LINES
from desktop_app.fhir.importer import ImportResult, import_fhir_file
from desktop_app.fhir.result import ImportRow
from desktop_app.logic.protocol import parse_json_strict
from desktop_app.storage.protocols import load_protocol
from tests.fhir.builders import SAMPLES, bundle, demo_without_labs, obs, patient, ward_results

LP = load_protocol()
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _both(path: Path, **options: Any) -> tuple[ImportResult, ImportResult]:
    """The result of the streaming read and of the whole-file read of the same file."""
    whole = import_fhir(read_fhir_file(path), LP, demo_without_labs(), now=NOW, **options)
    streamed = import_fhir_file(path, LP, demo_without_labs(), now=NOW, **options)
    return streamed, whole


def many_results(count: int) -> dict[str, Any]:
    """A Patient and `count` results of four tests in turn, hourly back from NOW; every second
    potassium after the first is preliminary; the fourth test is not one this program reads."""
    codes = (
        ("2823-3", "mmol/L", 3.4),
        ("718-7", "g/dL", 7.2),
        ("787-2", "fL", 112.0),
        ("9999-9", "mmol/L", 1.0),
    )
    results = []
    for i in range(count):
        code, unit, value = codes[i % len(codes)]
        when = (NOW - timedelta(hours=1 + i)).isoformat()
        status = "preliminary" if i % 8 == 4 else "final"
        results.append(obs(code, value, unit, when, oid=f"many-{i}", status=status))
    return bundle(patient(), *results)


# ----- the same result as reading the whole file ------------------------------------------------


@pytest.mark.parametrize("block", [stream.BLOCK_BYTES, 7])
def test_a_ward_bundle_read_entry_by_entry_gives_the_whole_file_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(stream, "BLOCK_BYTES", block)
    specimen = {
        "resourceType": "Specimen",
        "id": "spec-1",
        "collection": {"collectedDateTime": "2026-11-26T09:40:00+00:00"},
    }
    from_specimen = obs("2601-3", 0.8, "mmol/L", None, oid="mg-spec")
    from_specimen["specimen"] = {"reference": "Specimen/spec-1"}
    data = bundle(patient(), *ward_results(), specimen, from_specimen)
    path = tmp_path / "ward.json"
    # resourceType after entry, a byte-order mark and unusual spacing: still the same file
    text = json.dumps(
        {"entry": data["entry"], "type": "searchset", "resourceType": "Bundle"}, indent=3
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    streamed, whole = _both(path)
    assert streamed == whole
    assert streamed.used and streamed.refused and streamed.not_used
    assert any("Specimen" in r.reason for r in streamed.used)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="needs ../shared/fhir-samples")
@pytest.mark.parametrize("block", [stream.BLOCK_BYTES, 64])
def test_every_shared_sample_gives_the_same_result_read_either_way(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(stream, "BLOCK_BYTES", block)
    samples = sorted(SAMPLES.glob("*.json"))
    assert samples
    for path in samples:
        outcomes = []
        for read in (
            lambda p: import_fhir(read_fhir_file(p), LP, None, now=NOW),
            lambda p: import_fhir_file(p, LP, None, now=NOW),
        ):
            try:
                outcomes.append(read(path))
            except FhirImportError as exc:
                outcomes.append(f"{type(exc).__name__}: {exc}")
        assert outcomes[0] == outcomes[1], path.name


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "is empty"),
        (b"  \n", "is empty"),
        (b"[1, 2]", "not a FHIR resource"),
        (b'{"resourceType": "Bundle", "entry": [{"resource": {}}', "not valid JSON"),
        (b'{"resourceType": "Bundle", "entry": [], "entry": []}', "appears twice"),
        (b'{"resourceType": "Bundle", "entry": [{"resource": {"a": 1, "a": 2}}]}', "appears twice"),
        (b'{"resourceType": "Bundle", "entry": [{"resource": {"v": NaN}}]}', "NaN"),
        (b'{"resourceType": "Bundle", "entry": [{"resource": {"v": 1e999}}]}', "too large"),
        (b'{"resourceType": "Bundle", "entry": []} {}', "not valid JSON"),
        (b'{"resourceType": "Bundle", "entry": ["\xff"]}', "not UTF-8"),
        (b'{"resourceType": "Bundle", "type": "history", "entry": []}', "history Bundle"),
        (b'{"resourceType": "Bundle", "entry": {"resource": {}}}', "not a list"),
        (b'{"resourceType": "Patient", "id": "p"}', "a Patient but no results"),
    ],
)
def test_a_damaged_or_wrong_file_is_refused_with_the_whole_file_reason(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(FhirImportError) as whole:
        import_fhir(read_fhir_file(path), LP, None, now=NOW)
    with pytest.raises(FhirImportError) as streamed:
        import_fhir_file(path, LP, None, now=NOW)
    assert str(streamed.value) == str(whole.value)
    assert words in str(streamed.value)


def test_a_single_observation_file_is_read_whole(tmp_path: Path) -> None:
    path = _write(tmp_path / "one.json", obs("2823-3", 3.3, "mmol/L", "2026-11-26T07:00:00+00:00"))
    streamed, whole = _both(path, confirm_unidentified=True)
    assert streamed == whole and streamed.source_kind == "Observation"
    assert streamed.inputs.labs.potassium is not None


def test_a_file_that_changes_between_the_two_reads_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "growing.json", bundle(patient(), *ward_results()))
    real = stream.BundleFile.entries
    reads = []

    def entries_then_change(self: stream.BundleFile) -> Any:
        yield from real(self)
        reads.append(1)
        if len(reads) == 1:  # the lab system rewrites the file after the first read
            _write(path, bundle(patient(), *ward_results()[:3]))

    monkeypatch.setattr(stream.BundleFile, "entries", entries_then_change)
    with pytest.raises(FhirImportError, match="changed while it was being read"):
        import_fhir_file(path, LP, demo_without_labs(), now=NOW)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '{"a": NaN}',
        '{"a": -Infinity}',
        '{"a": 1e400}',
        '{"a": -1e400}',
        '{"a": {"b": [1.5, 2e-3, 7, null, true, "x"]}}',
        '"\\u00e9"',
        '{"a": 1}{',
    ],
)
def test_the_stream_decoder_accepts_and_refuses_what_the_strict_parser_does(text: str) -> None:
    try:
        expected: Any = parse_json_strict(text.encode(), "file")
    except ValueError:
        expected = ValueError
    try:
        got: Any = stream.strict_decoder().decode(text)
    except ValueError:
        got = ValueError
    assert got == expected


# ----- the report ----------------------------------------------------------------------------


def test_a_short_report_lists_every_observation(tmp_path: Path) -> None:
    result = import_fhir(many_results(40), LP, None, now=NOW)
    text = render_import_report(result)
    assert all(f"many-{i} |" in text for i in range(40))
    assert "by test" not in text


def test_a_long_report_is_summarised_per_test_and_does_not_grow_with_the_file() -> None:
    small = import_fhir(many_results(400), LP, None, now=NOW)
    large = import_fhir(many_results(4000), LP, None, now=NOW)
    short, long = render_import_report(small), render_import_report(large)
    assert len(long.splitlines()) == len(short.splitlines()) < FULL_REPORT_MAX_LINES
    assert "NOT USED (2,497) and REFUSED (1,500), by test" in long
    assert (
        "potassium [LOINC 2823-3], 1,000 result(s): 1 used; 499 not used (superseded 499); "
        "500 refused (status 500)" in long
    )
    assert (
        "haemoglobin [LOINC 718-7], 1,000 result(s): 1 used; 999 not used (superseded 999)" in long
    )
    assert "[LOINC 9999-9], 1,000 result(s): 0 used; 1,000 refused (unknown-code 1,000)" in long
    # each refusal has an example with its reason, and the used results are listed in full
    assert "e.g. #5 many-4 |" in long and "REFUSED: status 'preliminary'" in long
    assert "e.g. #4 many-3 |" in long and "LOINC 9999-9 is not a result" in long
    for row in large.used:
        assert f"#{row.index} {row.observation_id} |" in long
    assert "Filled: labs.haemoglobin, labs.mcv, labs.potassium" in long


def test_the_full_report_lists_every_observation_of_a_long_file() -> None:
    result = import_fhir(many_results(400), LP, None, now=NOW)
    text = render_import_report(result, full=True)
    assert all(f"many-{i} |" in text for i in range(400))
    assert len(text.splitlines()) > 2 * 400


def test_import_fhir_summarises_by_default_and_lists_all_with_full_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "many.json", many_results(400))
    out = tmp_path / "in.json"
    args = ["import-fhir", str(path), "-o", str(out), "--now", NOW.isoformat()]
    assert main(args) == 0
    summary = capsys.readouterr().out
    assert main([*args, "--full-report"]) == 0
    full = capsys.readouterr().out
    assert "by test (every Observation: --full-report)" in summary
    assert "many-123 |" not in summary and "many-123 |" in full
    assert len(summary.splitlines()) < FULL_REPORT_MAX_LINES < len(full.splitlines())


# ----- the warning on a used result, done in one sweep -------------------------------------------


def _naive_warnings(rows: list[ImportRow]) -> list[str]:
    """The warning of every used row, comparing it with every other row (the definition)."""
    warnings = []
    for row in rows:
        if row.outcome != "used" or row.sampled_at is None:
            warnings.append("")
            continue
        same = [r for r in rows if r.outcome == "refused" and r.analyte == row.analyte]
        newer = [r for r in same if r.sampled_at is not None and r.sampled_at >= row.sampled_at]
        untimed = [r for r in same if r.sampled_at is None]
        parts = []
        if newer:
            shown = ", ".join(
                f"#{r.index} {r.value_text} at {r.time_text} ({r.reason_code})" for r in newer[:3]
            )
            more = f" and {len(newer) - 3} more" if len(newer) > 3 else ""
            parts.append(
                f"{len(newer)} result(s) of this test at the same or a later time were "
                f"refused: {shown}{more}"
            )
        if untimed:
            parts.append(
                f"{len(untimed)} result(s) of this test without a usable time were refused"
            )
        warnings.append("; ".join(parts))
    return warnings


_ROW = st.tuples(
    st.sampled_from(["used", "refused", "not-used"]),
    st.sampled_from(["potassium", "magnesium"]),
    st.one_of(st.none(), st.integers(0, 6)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_ROW, max_size=25))
def test_the_sweep_warns_exactly_as_comparing_every_pair(spec: list[tuple[str, str, Any]]) -> None:
    rows = [
        ImportRow(
            index=i + 1,
            observation_id=f"o{i}",
            code="c",
            display="d",
            value_text=f"v{i}",
            time_text=f"t{hour}",
            status="final",
            outcome=outcome,
            analyte=analyte,  # type: ignore[arg-type]
            reason_code="status",
            sampled_at=None if hour is None else NOW - timedelta(hours=hour),
        )
        for i, (outcome, analyte, hour) in enumerate(spec)
    ]
    expected = _naive_warnings(rows)
    warn_refused_newer(rows)
    assert [r.warning for r in rows] == expected
