"""Import of FHIR lab results: what is taken, into which field, and every refusal reason."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from desktop_app.fhir import (
    REPORT_COLUMNS,
    FhirImportError,
    PatientMismatchError,
    PatientUnconfirmedError,
    import_fhir,
    read_fhir_bytes,
    render_import_report,
)
from desktop_app.fhir.importer import ImportResult, ImportRow, names_match, parse_fhir_datetime
from desktop_app.logic.engine import evaluate
from desktop_app.logic.models import LabEntry, PlanInputs
from desktop_app.resources import US_PROTOCOL, resource_path
from desktop_app.storage.protocols import load_protocol
from tests.fhir.builders import (
    PATIENT_REF,
    bundle,
    demo_without_labs,
    obs,
    patient,
    ward_results,
)

LP = load_protocol()
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
T = "2026-11-26T07:10:00+00:00"


def run(*resources: dict[str, Any], current: PlanInputs | None = None, **kw: Any) -> ImportResult:
    return import_fhir(bundle(patient(), *resources), LP, current, now=NOW, **kw)


def row(result: ImportResult, oid: str) -> ImportRow:
    (found,) = [r for r in result.rows if r.observation_id == oid]
    return found


# ----- the real-shaped ward bundle -------------------------------------------------------------


@pytest.fixture(scope="module")
def ward() -> ImportResult:
    return import_fhir(bundle(patient(), *ward_results()), LP, demo_without_labs(), now=NOW)


def test_newest_final_result_fills_each_field(ward: ImportResult) -> None:
    labs = ward.inputs.labs
    assert labs.potassium == LabEntry(
        value=3.4,
        unit="mEq/L",
        sampled_at=datetime.fromisoformat(T),
        source=f"FHIR Observation {labs.potassium.source.removeprefix('FHIR Observation ')}",
    )
    assert labs.potassium.source.startswith("FHIR Observation ") and len(labs.potassium.source) > 17
    assert labs.magnesium is not None and (labs.magnesium.value, labs.magnesium.unit) == (
        1.65,
        "mg/dL",
    )
    assert labs.phosphate is not None and labs.phosphate.value == 0.85
    assert labs.haemoglobin is not None and (labs.haemoglobin.value, labs.haemoglobin.unit) == (
        64,
        "g/L",
    )
    assert labs.mcv is not None and labs.mcv.unit == "fL"
    assert labs.b12 is not None and (labs.b12.value, labs.b12.unit) == (96, "pg/mL")
    assert labs.folate is not None and labs.folate.unit == "ng/mL"
    assert labs.mma is not None and labs.mma.unit == "nmol/L"
    assert labs.homocysteine is not None and labs.homocysteine.unit == "micromol/L"
    assert labs.creatinine is not None and (labs.creatinine.value, labs.creatinine.unit) == (
        88,
        "micromol/L",
    )
    assert labs.egfr is not None and labs.egfr.unit == "mL/min/1.73 m2"
    assert labs.reticulocytes is not None and labs.reticulocytes.unit == "%"
    assert labs.platelets is not None and labs.platelets.unit == "x 10^9/L"


def test_every_observation_has_a_row_with_its_outcome(ward: ImportResult) -> None:
    assert len(ward.rows) == len(ward_results())
    assert row(ward, "k-new").field == "labs.potassium"
    assert row(ward, "k-old").reason_code == "superseded"
    assert row(ward, "mg-old").reason_code == "superseded"
    assert row(ward, "hb-old").outcome == "not-used"
    assert row(ward, "b12-old").outcome == "not-used"
    assert row(ward, "k-prelim").reason_code == "status"
    assert row(ward, "po4-cancelled").reason_code == "status"
    assert "sample haemolysed" in row(ward, "po4-cancelled").reason
    assert row(ward, "creat-notime").reason_code == "no-time"
    assert {r.observation_id for r in ward.used} == {
        "k-new",
        "mg-mass",
        "po4",
        "hb",
        "mcv",
        "b12",
        "folate",
        "mma",
        "hcy",
        "creat",
        "egfr",
        "retic",
        "plt",
    }


def test_values_are_kept_as_sent_never_converted(ward: ImportResult) -> None:
    """CLN-07: the value and unit are the lab's; the engine converts with the protocol's factors."""
    k = row(ward, "k-new")
    assert (k.value, k.unit) == (3.4, "mEq/L")


def test_a_refused_newer_result_is_flagged_on_the_used_one(ward: ImportResult) -> None:
    k = row(ward, "k-new")
    assert "k-prelim" not in k.warning  # rows are named by number in the warning
    assert "2.9 mmol/L" in k.warning and "status" in k.warning
    assert "CHECK" in k.outcome_text
    creat = row(ward, "creat")
    assert "without a usable time" in creat.warning


def test_imported_inputs_plan_with_the_engine(ward: ImportResult) -> None:
    plan = evaluate(LP, ward.inputs, now=NOW)
    assert plan.labs and {r.analyte for r in plan.labs} >= {"potassium", "magnesium", "b12"}
    assert ward.patient_check == "confirmed"


def test_report_lists_every_row(ward: ImportResult) -> None:
    text = render_import_report(ward)
    for r in ward.rows:
        assert r.observation_id in text
    assert "USED (13)" in text and "REFUSED (3)" in text
    assert all(len(r.columns()) == len(REPORT_COLUMNS) for r in ward.rows)


# ----- each refusal reason ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "code", "words"),
    [
        (obs("2951-2", 140, "mmol/L", T, display="Sodium"), "unknown-code", "2951-2"),
        (
            {
                **obs(None, 4.1, "mmol/L", T),
                "code": {"coding": [{"system": "https://lab.local", "code": "K"}]},
            },
            "no-loinc",
            "https://lab.local",
        ),
        (obs("2823-3", 4.1, "mmol/L", T, status="preliminary"), "status", "preliminary"),
        (obs("2823-3", 4.1, "mmol/L", T, status="entered-in-error"), "status", "entered in error"),
        (obs("2823-3", 4.1, "mmol/L", T, status="registered"), "status", "registered"),
        (obs("2823-3", 4.1, "mmol/L", None), "no-time", "no sample time"),
        (
            obs("2823-3", 4.1, "mmol/L", None, issued="2026-11-26T09:00:00+00:00"),
            "no-time",
            "issued",
        ),
        (obs("2823-3", 4.1, "mmol/L", "2026-11-26"), "date-only", "only a date"),
        (obs("2823-3", 4.1, "mmol/L", "2026-11-26T07:10:00"), "no-timezone", "timezone"),
        (obs("2823-3", 4.1, "mmol/L", "26/11/2026 07:10"), "bad-time", "not a valid"),
        (
            obs(
                "2823-3",
                4.1,
                "mmol/L",
                None,
                effectivePeriod={
                    "start": "2026-11-25T07:00:00+00:00",
                    "end": "2026-11-26T07:00:00+00:00",
                },
            ),
            "period",
            "over a period",
        ),
        (obs("2823-3", 4.1, "mmol/L", None, effectivePeriod={"start": T}), "period", "no end"),
        (obs("2823-3", 4.1, "K/uL", T), "unknown-unit", "K/uL"),
        (obs("2823-3", 4.1, None, T, system=None), "no-unit", "never guessed"),
        (
            obs("2823-3", 4.1, "258814008", T, system="http://snomed.info/sct"),
            "unknown-unit",
            "not UCUM",
        ),
        (obs("2823-3", 16, "mg/dL", T), "unit-mismatch", "does not fit LOINC 2823-3"),
        (obs("2823-3", 4.1, "mmol/L", T, unit_text="mg/dL"), "unit-conflict", "disagree"),
        (obs("60474-4", 60, "10*9/L", T), "unit-not-accepted", "%"),
        (obs("14682-9", 0.09, "mmol/L", T), "unit-not-accepted", "micromol/L"),
        (obs("2823-3", 41, "mmol/L", T), "implausible", "plausible range"),
        (obs("718-7", 6.4, "g/L", T), "implausible", "g/dL"),
        (
            obs(
                "2823-3",
                4.1,
                "mmol/L",
                T,
                valueQuantity={"value": 6, "comparator": ">", "unit": "mmol/L"},
            ),
            "comparator",
            "bound",
        ),
        ({**obs("2823-3", None, None, T), "valueString": "haemolysed"}, "not-a-number", "String"),
        (
            {
                **obs("33914-3", None, None, T),
                "component": [
                    {
                        "code": {"coding": [{"system": "http://loinc.org", "code": "48642-3"}]},
                        "valueQuantity": {"value": 60, "unit": "mL/min/{1.73_m2}"},
                    }
                ],
            },
            "components-only",
            "48642-3",
        ),
        (obs("2823-3", None, None, T), "no-value", "no value"),
        (obs("6298-4", 4.1, "mmol/L", T), "different-specimen", "different specimen"),
        (obs("38483-4", 1.0, "mg/dL", T), "different-specimen", "whole blood"),
        (obs("48642-3", 60, "mL/min/{1.73_m2}", T), "race-based-egfr", "Race-specific"),
        (obs("2823-3", 4.1, "mmol/L", "2026-11-26T13:00:00+00:00"), "future", "future"),
        (
            obs("2823-3", 4.1, "mmol/L", T, subject={"reference": "Patient/someone-else"}),
            "other-patient",
            "not the Patient",
        ),
        (
            obs("2823-3", 4.1, "mmol/L", T, subject={"display": "M Ellison"}),
            "no-subject",
            "only named",
        ),
    ],
)
def test_each_refusal_reason(resource: dict[str, Any], code: str, words: str) -> None:
    result = run(resource)
    (only,) = result.rows
    assert only.outcome == "refused", only
    assert only.reason_code == code, only.reason
    assert words in only.reason, only.reason
    assert result.inputs.labs == PlanInputs().labs


def test_several_problems_are_all_reported() -> None:
    result = run(obs("2823-3", 4.1, "mmol/L", "2026-11-26", status="preliminary"))
    (only,) = result.rows
    assert only.reason_code == "status"
    assert "preliminary" in only.reason and "only a date" in only.reason


def test_amended_and_corrected_results_are_used() -> None:
    result = run(
        obs("2823-3", 3.9, "mmol/L", T, status="corrected"),
        obs("718-7", 101, "g/L", T, status="amended"),
    )
    assert len(result.used) == 2


def test_ucum_lowercase_litre_and_unit_text_only_are_read() -> None:
    only_text = obs("718-7", 7.2, None, T, system=None, unit_text="g/dl")
    result = run(obs("2823-3", 4.0, "mmol/l", T), only_text)
    assert (
        result.inputs.labs.potassium is not None and result.inputs.labs.potassium.unit == "mmol/L"
    )
    assert (
        result.inputs.labs.haemoglobin is not None and result.inputs.labs.haemoglobin.unit == "g/dL"
    )


def test_platelets_in_10_3_per_microlitre_map_to_10_9_per_litre() -> None:
    result = run(obs("777-3", 250, "10*3/uL", T))
    platelets = result.inputs.labs.platelets
    assert platelets is not None and platelets.source.startswith("FHIR Observation ")
    assert platelets == LabEntry(
        value=250, unit="x 10^9/L", sampled_at=datetime.fromisoformat(T), source=platelets.source
    )


def test_effective_period_with_equal_ends_and_specimen_time_are_sample_times() -> None:
    period = obs("718-7", 101, "g/L", None, effectivePeriod={"start": T, "end": T}, oid="p")
    specimen = {
        "resourceType": "Specimen",
        "id": "sst1",
        "collection": {"collectedDateTime": "2026-11-26T06:55:00+00:00"},
    }
    via_specimen = obs(
        "2823-3", 3.8, "mmol/L", None, oid="s", specimen={"reference": "Specimen/sst1"}
    )
    result = import_fhir(bundle(patient(), period, specimen, via_specimen), LP, None, now=NOW)
    assert row(result, "p").outcome == "used"
    assert "effectivePeriod" in row(result, "p").reason
    assert row(result, "s").outcome == "used"
    assert result.inputs.labs.potassium is not None
    assert result.inputs.labs.potassium.sampled_at == datetime(2026, 11, 26, 6, 55, tzinfo=UTC)


def test_effective_instant_is_read() -> None:
    result = run(obs("2823-3", 3.8, "mmol/L", None, effectiveInstant=T))
    assert len(result.used) == 1


def test_panel_member_without_time_names_the_panel_time_but_is_refused() -> None:
    member = obs("2823-3", 3.8, "mmol/L", None, oid="m1")
    panel = obs("24323-8", None, None, T, oid="panel", hasMember=[{"reference": "Observation/m1"}])
    result = run(panel, member)
    assert row(result, "m1").reason_code == "no-time"
    assert "panel panel" in row(result, "m1").reason and T in row(result, "m1").reason


def test_different_results_at_the_same_time_are_both_refused() -> None:
    """As in the Synthea sample: two potassium results with one timestamp."""
    result = run(
        obs("2823-3", 5.03, "mmol/L", T, oid="a"),
        obs("2823-3", 3.97, "mmol/L", T, oid="b"),
        obs("2823-3", 4.2, "mmol/L", "2026-11-25T07:00:00+00:00", oid="older"),
    )
    assert row(result, "a").reason_code == row(result, "b").reason_code == "conflict"
    assert "5.03 mmol/L" in row(result, "a").reason and "3.97 mmol/L" in row(result, "a").reason
    assert row(result, "older").reason_code == "superseded"
    assert result.inputs.labs.potassium is None


def test_same_result_twice_is_used_once() -> None:
    a = obs("2823-3", 4.0, "mmol/L", T, oid="a")
    b = obs("2823-3", 4.0, "meq/L", T, oid="b")
    result = run(a, b)
    assert row(result, "a").outcome == "used"
    assert row(result, "b").reason_code == "duplicate"


def test_single_observation_and_searchset_with_outcome() -> None:
    single = obs("2823-3", 3.8, "mmol/L", T)
    result = import_fhir(single, LP, None, now=NOW)
    assert result.source_kind == "Observation" and len(result.used) == 1
    search = bundle(single)
    search["entry"].append(
        {
            "resource": {"resourceType": "OperationOutcome", "issue": []},
            "search": {"mode": "outcome"},
        }
    )
    assert len(import_fhir(search, LP, None, now=NOW).rows) == 1


def test_other_resources_are_counted_not_read() -> None:
    extra = {"resourceType": "Condition", "id": "c1"}
    result = run(obs("2823-3", 3.8, "mmol/L", T), extra)
    assert any("1 Condition" in n for n in result.notes)


# ----- whole-file refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "words"),
    [
        ([], "not FHIR JSON"),
        ({"foo": 1}, "no resourceType"),
        (patient(), "no results"),
        ({"resourceType": "Condition"}, "not a set of results"),
        ({"resourceType": "Bundle", "type": "history", "entry": []}, "history"),
        ({"resourceType": "Bundle", "type": "collection", "entry": {}}, "not a list"),
        (bundle(patient(), patient(mrn="X1")), "2 Patient resources"),
        (
            bundle(
                obs("2823-3", 4, "mmol/L", T, subject={"reference": "Patient/a"}),
                obs("2823-3", 4, "mmol/L", T, subject={"reference": "Patient/b"}),
            ),
            "more than one patient",
        ),
    ],
)
def test_whole_file_refusals(resource: Any, words: str) -> None:
    with pytest.raises(FhirImportError, match=words):
        import_fhir(resource, LP, None)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"{", "not valid JSON"),
        (b'{"a": 1, "a": 2}', "twice"),
        (b"[1]", "not an object"),
    ],
)
def test_bad_bytes(data: bytes, words: str) -> None:
    with pytest.raises(FhirImportError, match=words):
        read_fhir_bytes(data)


# ----- patient ---------------------------------------------------------------------------------


def test_new_plan_takes_the_patient_from_the_file() -> None:
    result = run(obs("2823-3", 3.8, "mmol/L", T))
    pat = result.inputs.patient
    assert (pat.identifier, pat.name, str(pat.date_of_birth), pat.sex) == (
        "RX0042137",
        "Margaret Ellison",
        "1948-03-14",
        "female",
    )
    assert result.patient_check == "new"
    assert {p.field: p.action for p in result.patient_rows} == {
        "identifier": "set",
        "name": "set",
        "date_of_birth": "set",
        "sex": "set",
    }


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"mrn": "RX9999999"}, "identifier"),
        ({"birth": "1950-01-01"}, "date of birth"),
        ({"family": "Okafor", "given": "Ada"}, "name"),
    ],
)
def test_patient_mismatch_is_refused(kw: dict[str, str], words: str) -> None:
    wrong = bundle(patient(**kw), obs("2823-3", 3.8, "mmol/L", T))
    with pytest.raises(PatientMismatchError, match=words) as info:
        import_fhir(wrong, LP, demo_without_labs(), now=NOW)
    assert not isinstance(info.value, PatientUnconfirmedError)
    assert "Nothing was imported" in str(info.value)


def test_patient_match_keeps_the_plans_values() -> None:
    result = run(obs("2823-3", 3.8, "mmol/L", T), current=demo_without_labs())
    assert result.patient_check == "confirmed"
    assert result.inputs.patient == demo_without_labs().patient
    assert {p.field: p.action for p in result.patient_rows}["name"] == "same"


def test_results_without_patient_details_need_confirmation() -> None:
    lone = obs("2823-3", 3.8, "mmol/L", T, subject={"reference": "Patient/123"})
    with pytest.raises(PatientUnconfirmedError, match="--confirm-patient"):
        import_fhir(lone, LP, demo_without_labs(), now=NOW)
    result = import_fhir(lone, LP, demo_without_labs(), now=NOW, confirm_unidentified=True)
    assert result.patient_check == "confirmed-by-user" and len(result.used) == 1


def test_subject_identifier_on_a_lone_observation_is_checked() -> None:
    lone = obs("2823-3", 3.8, "mmol/L", T, subject={"identifier": {"value": "RX0000001"}})
    with pytest.raises(PatientMismatchError, match="RX0000001"):
        import_fhir(lone, LP, demo_without_labs(), now=NOW)
    ok = obs("2823-3", 3.8, "mmol/L", T, subject={"identifier": {"value": "rx 0042137"}})
    assert import_fhir(ok, LP, demo_without_labs(), now=NOW).patient_check == "confirmed"


def test_name_and_birth_date_confirm_without_identifier() -> None:
    pat = patient()
    pat["identifier"] = []
    result = import_fhir(bundle(pat, obs("2823-3", 3.8, "mmol/L", T)), LP, demo_without_labs())
    assert result.patient_check == "confirmed"


def test_sex_difference_is_noted_and_the_plan_kept() -> None:
    result = import_fhir(
        bundle(patient(gender="male"), obs("2823-3", 3.8, "mmol/L", T)),
        LP,
        demo_without_labs(),
        now=NOW,
    )
    assert result.inputs.patient.sex == "female"
    assert any("Sex differs" in n for n in result.notes)


def test_names_match() -> None:
    assert names_match("Margaret Ellison (DEMO)", "Margaret Ellison")
    assert names_match("Duck D Donald", "Donald Duck")
    assert not names_match("Joyce Johnson", "Joyce Smith")
    assert not names_match("", "Joyce Smith")


# ----- the open plan's own results -------------------------------------------------------------


def _with_k(value: float, when: str) -> PlanInputs:
    data = demo_without_labs().model_dump()
    data["labs"]["potassium"] = {"value": value, "unit": "mmol/L", "sampled_at": when}
    return PlanInputs.model_validate(data)


def test_a_newer_plan_result_is_kept() -> None:
    result = run(obs("2823-3", 3.1, "mmol/L", "2026-11-25T07:00:00+00:00"), current=_with_k(3.6, T))
    (only,) = result.rows
    assert only.reason_code == "plan-newer"
    assert result.inputs.labs.potassium is not None and result.inputs.labs.potassium.value == 3.6


def test_same_result_already_in_plan_and_conflict_with_plan() -> None:
    same = run(obs("2823-3", 3.6, "mmol/L", T), current=_with_k(3.6, T))
    assert same.rows[0].reason_code == "already-in-plan"
    clash = run(obs("2823-3", 3.2, "mmol/L", T), current=_with_k(3.6, T))
    assert clash.rows[0].reason_code == "conflict-with-plan"
    assert clash.inputs.labs.potassium is not None and clash.inputs.labs.potassium.value == 3.6


def test_an_older_plan_result_is_replaced_and_said_so() -> None:
    result = run(obs("2823-3", 3.2, "mmol/L", T), current=_with_k(3.6, "2026-11-25T07:00:00+00:00"))
    assert result.rows[0].outcome == "used"
    assert "replaces 3.6 mmol/L" in result.rows[0].reason
    assert result.inputs.labs.potassium is not None and result.inputs.labs.potassium.value == 3.2


def test_results_after_the_first_dose_become_follow_ups() -> None:
    current = demo_without_labs()  # first dose 2026-11-26T14:00Z
    later = "2026-11-26T20:00:00+00:00"
    result = import_fhir(
        bundle(
            patient(),
            obs("2823-3", 3.3, "mmol/L", later, oid="k6h"),
            obs("718-7", 70, "g/L", later, oid="hb6h"),
            obs("2823-3", 3.4, "mmol/L", T, oid="k0"),
            obs("718-7", 64, "g/L", T, oid="hb0"),
        ),
        LP,
        current,
        now=datetime(2026, 11, 27, tzinfo=UTC),
    )
    assert row(result, "k6h").field == "followups" and row(result, "k6h").outcome == "used"
    assert row(result, "hb6h").reason_code == "after-first-dose"
    assert row(result, "k0").field == "labs.potassium"
    (fu,) = result.inputs.followups
    assert (fu.analyte, fu.value, fu.unit) == ("potassium", 3.3, "mmol/L")
    plan = evaluate(LP, result.inputs, now=datetime(2026, 11, 27, tzinfo=UTC))
    assert plan.followups and plan.followups[0].value == 3.3
    again = import_fhir(
        bundle(patient(), obs("2823-3", 3.3, "mmol/L", later, oid="k6h")),
        LP,
        result.inputs,
        now=datetime(2026, 11, 27, tzinfo=UTC),
    )
    assert again.rows[0].reason_code == "already-in-plan" and len(again.inputs.followups) == 1


def test_us_protocol_units_apply() -> None:
    us = load_protocol(resource_path(US_PROTOCOL))
    result = import_fhir(bundle(patient(), obs("2823-3", 3.4, "meq/L", T)), us, None, now=NOW)
    assert result.inputs.labs.potassium is not None and result.inputs.labs.potassium.unit == "mEq/L"


def test_parse_fhir_datetime() -> None:
    assert parse_fhir_datetime("2026-11-26T07:10:00Z")[0] == datetime(
        2026, 11, 26, 7, 10, tzinfo=UTC
    )
    assert parse_fhir_datetime("2026-11")[1] == "date-only"
    assert parse_fhir_datetime(None)[1] == "bad-time"


def test_import_does_not_change_its_arguments() -> None:
    source = bundle(patient(), *ward_results())
    before = copy.deepcopy(source)
    current = demo_without_labs()
    import_fhir(source, LP, current, now=NOW)
    assert source == before and current == demo_without_labs()


def test_subject_reference_forms_all_tie_to_the_patient() -> None:
    forms = [
        PATIENT_REF,
        f"https://fhir.lab.example-hospital.org/fhir/{PATIENT_REF}",
        f"{PATIENT_REF}/_history/3",
    ]
    results = [obs("2823-3", 3.8, "mmol/L", T, subject={"reference": f}) for f in forms]
    result = run(*results)
    assert [r.reason_code for r in result.rows] == ["", "duplicate", "duplicate"]


def test_a_preliminary_result_newer_than_the_one_used_is_kept_to_be_shown() -> None:
    """Issue 15 item 14: a preliminary K 2.2 after a final 3.1 leaves a trace on the plan."""
    result = run(
        obs("2823-3", 3.1, "mmol/L", T),
        obs("2823-3", 2.2, "mmol/L", "2026-11-26T09:10:00+00:00", status="preliminary"),
    )
    assert result.inputs.labs.potassium is not None
    assert result.inputs.labs.potassium.value == 3.1
    (unused,) = result.inputs.unused_results
    assert unused.analyte.value == "potassium" and "2.2" in unused.value_text
    assert "preliminary" in unused.why


def test_a_refused_result_older_than_the_one_used_is_not_kept() -> None:
    result = run(
        obs("2823-3", 3.1, "mmol/L", "2026-11-26T09:10:00+00:00"),
        obs("2823-3", 2.2, "mmol/L", T, status="preliminary"),
    )
    assert result.inputs.unused_results == ()
