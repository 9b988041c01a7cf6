"""Plan-file and protocol-file campaign: mutation fuzzing of valid files.

Every mutated file must either be refused with a clear message (`PlanFileError` or `InputError`
for a plan, `ProtocolError` for a protocol) or load to a fully valid model. "Fully valid" means:
what was loaded is exactly what the file says (every value in the file reads back unchanged from
the model, so nothing was silently reinterpreted), the model survives a save-and-reopen
unchanged, and the engine then either plans or refuses with `InputError` - never crashes.

Mutations: truncation, random bytes (flipped, inserted, overwritten), non-UTF-8 text, a BOM,
wrong JSON types at every depth, deep nesting, huge numbers (1e308, 1e309, 10^400, 5,000-digit
integers), NaN/Infinity, duplicated keys, unknown fields, removed keys, swapped containers,
wrong schema_version, very long strings and very large files.

A value of the wrong JSON type silently converted (true -> 1.0, "4.2" -> 4.2, a number -> a
date-time) fails the "exactly what the file says" check. The campaign found exactly that in its
first run (DEFECT-1 plan files, DEFECT-4 protocol files; fixed, see test_campaign_regressions.py).
"""

from __future__ import annotations

import json
import math
import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import main as cli_main
from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import B12KError, InputError, PlanFileError, ProtocolError
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import LoadedProtocol, load_protocol_bytes
from desktop_app.storage.plan_files import parse_plan_bytes, plan_bytes, read_plan_file
from tests.logic.helpers import FIRST, NOW, ROOT, UK, US, base_case, hours, lab, proto
from tests.safety.campaign import rng, scaled, tally
from tests.safety.mutators import (
    MUTATORS,
    WRONG_TYPES,
    Json,
    _copy,
    _dumps,
    _get,
    _paths,
    _set,
    m_large_file,
    m_reordered,
    m_wrong_type,
)

PLANS = tally("plan files")
PROTOCOL_FILES = tally("protocol files")

# ----- valid seed files -----------------------------------------------------------------------


def seed_plans() -> list[bytes]:
    """Valid plan files: the demo, a plain case, follow-ups, overrides and a severity override."""
    followups = [
        {
            "analyte": "potassium",
            "value": 3.1,
            "unit": "mmol/L",
            "sampled_at": hours(20).isoformat(),
        },
        {
            "analyte": "magnesium",
            "value": 1.2,
            "unit": "mg/dL",
            "sampled_at": hours(21).isoformat(),
        },
    ]
    cases = [
        base_case(),
        base_case(
            labs={"potassium": lab(3.2, "mEq/L"), "haemoglobin": lab(6.4, "g/dL")},
            regimen={"preset_id": "bnf-no-neuro", "first_dose_at": FIRST.isoformat()},
            followups=followups,
        ),
        base_case(
            overrides=[
                {
                    "target": "potassium",
                    "action": "decline",
                    "reason": "On IV already",
                    "prescriber": "Dr Rivera",
                }
            ],
            severity_override={
                "severity": "severe",
                "reason": "Falling Hb",
                "clinician": "Dr Haem",
            },
            modifiers={
                "k_lowering_drugs": ["loop_diuretic"],
                "digoxin": True,
                "planned_discharge_at": hours(100).isoformat(),
            },
        ),
    ]
    out = [(ROOT / "resources" / "examples" / "demo-patient.json").read_bytes()]
    out += [json.dumps(c, indent=1).encode() for c in cases]
    for data in out:
        parse_plan_bytes(data)  # the seeds themselves must be valid
    return out


# ----- "exactly what the file says" --------------------------------------------------------------


def _same(file_value: Json, model_value: Json) -> bool:
    """True when the model holds exactly the file's value (types included: no silent conversion)."""
    if isinstance(file_value, bool) or isinstance(model_value, bool):
        return type(file_value) is type(model_value) and file_value == model_value
    if isinstance(file_value, int | float) and isinstance(model_value, int | float):
        both_nan = (
            isinstance(file_value, float)
            and isinstance(model_value, float)
            and (math.isnan(file_value) and math.isnan(model_value))
        )
        return file_value == model_value or both_nan
    if isinstance(file_value, str) and isinstance(model_value, datetime | date):
        try:
            parsed = (
                datetime.fromisoformat(file_value)
                if isinstance(model_value, datetime)
                else date.fromisoformat(file_value)
            )
        except ValueError:
            return False
        return parsed == model_value
    if (
        isinstance(file_value, str)
        and hasattr(model_value, "value")
        and isinstance(model_value.value, str)
    ):
        return file_value == model_value.value  # an enum member
    if isinstance(file_value, list) and isinstance(model_value, list | tuple):
        return len(file_value) == len(model_value) and all(
            _same(a, b) for a, b in zip(file_value, model_value, strict=True)
        )
    if isinstance(file_value, dict):
        return all(_lookup_same(file_value[k], model_value, k) for k in file_value)
    return type(file_value) is type(model_value) and file_value == model_value


def _lookup_same(file_value: Json, model: Any, key: str) -> bool:
    if isinstance(model, dict):
        matches = [v for k, v in model.items() if getattr(k, "value", k) == key]
        return bool(matches) and _same(file_value, matches[0])
    if hasattr(model, key):
        return _same(file_value, getattr(model, key))
    return False


def _non_finite(obj: Any, path: str = "") -> list[str]:
    """Paths of NaN or infinite floats anywhere in a dumped model."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return [path or "(root)"]
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _non_finite(v, f"{path}.{k}")]
    if isinstance(obj, list | tuple):
        return [p for i, v in enumerate(obj) for p in _non_finite(v, f"{path}[{i}]")]
    return []


def _as_read(data: bytes) -> Json:
    return json.loads(data.decode("utf-8-sig"))


# ----- the campaigns ------------------------------------------------------------------------------


def _clear(message: str) -> bool:
    return (
        bool(message.strip()) and "Traceback" not in message and "pydantic" not in message.lower()
    )


def _plan_case(r: random.Random, seeds: list[bytes], case_no: int, tmp: Path) -> None:
    base = r.choice(seeds)
    doc = json.loads(base)
    mutator = r.choice(MUTATORS)
    kind, data = mutator(r, base, doc)
    PLANS.tried()
    via_disk = case_no % 5 == 0
    try:
        if via_disk:
            path = tmp / f"mutated-{case_no}.json"
            path.write_bytes(data)
            inputs = read_plan_file(path)
        else:
            inputs = parse_plan_bytes(data)
    except (PlanFileError, InputError) as exc:
        PLANS.count(f"refused ({type(exc).__name__}): {kind}")
        if not _clear(str(exc)):
            PLANS.fail(f"{kind}: unclear message {str(exc)[:300]!r}")
        if isinstance(exc, InputError) and not all(p.path and p.message for p in exc.problems):
            PLANS.fail(f"{kind}: a problem without a field path or message: {exc.problems}")
        return
    except Exception as exc:
        PLANS.fail(
            f"{kind}: CRASH {type(exc).__name__}: {str(exc)[:200]} (data head {data[:80]!r})"
        )
        return
    PLANS.count(f"accepted: {kind}")
    if bad := _non_finite(inputs.model_dump()):
        PLANS.fail(f"{kind}: NaN/Infinity accepted at {bad}")
    raw = _as_read(data)
    if not _same(raw, inputs):
        PLANS.fail(
            f"{kind}: accepted, but the model holds something other than the file says "
            "(silent conversion)"
        )
        return
    if parse_plan_bytes(plan_bytes(inputs)) != inputs:
        PLANS.fail(f"{kind}: accepted file does not survive save and reopen")
    try:
        evaluate(proto(), inputs, now=NOW)
    except InputError as exc:
        if not _clear(str(exc)):
            PLANS.fail(f"{kind}: unclear engine message {str(exc)[:300]!r}")
    except Exception as exc:
        PLANS.fail(f"{kind}: accepted file crashes the engine: {type(exc).__name__}: {exc}")


def test_plan_file_mutation_campaign(tmp_path: Path) -> None:
    r = rng("plan-files")
    seeds = seed_plans()
    for case_no in range(scaled(ci=1500, release=20000)):
        _plan_case(r, seeds, case_no, tmp_path)
    PLANS.check()


def test_damaged_plan_files_give_exit_status_2_and_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The user's path: `b12k plan` on damaged files exits 2 with a message, never a traceback."""
    r = rng("plan-cli")
    seeds = seed_plans()
    for i in range(scaled(ci=40, release=400)):
        base = r.choice(seeds)
        kind, data = r.choice(MUTATORS)(r, base, json.loads(base))
        path = tmp_path / f"bad-{i}.json"
        path.write_bytes(data)
        PLANS.tried()
        try:
            status = cli_main(["plan", str(path), "--now", NOW.isoformat()])
        except SystemExit as exc:  # argparse only; never expected here
            PLANS.fail(f"{kind}: CLI exited via SystemExit({exc.code})")
            continue
        except Exception as exc:
            PLANS.fail(f"{kind}: CLI CRASH {type(exc).__name__}: {exc}")
            continue
        out, err = capsys.readouterr()
        if status not in (0, 2) or "Traceback" in out + err or (status == 2 and not err.strip()):
            PLANS.fail(f"{kind}: CLI status {status}, stderr {err[:200]!r}")
    PLANS.check()


def _protocol_case(r: random.Random, seeds: list[bytes]) -> None:
    base = r.choice(seeds)
    doc = json.loads(base)
    mutator = r.choice([m for m in MUTATORS if m is not m_large_file] + [m_wrong_type] * 3)
    kind, data = mutator(r, base, doc)
    PROTOCOL_FILES.tried()
    try:
        lp = load_protocol_bytes(data, "mutated")
    except ProtocolError as exc:
        PROTOCOL_FILES.count(f"refused: {kind}")
        if not _clear(str(exc)) or not all(p.path and p.message for p in exc.problems):
            PROTOCOL_FILES.fail(f"{kind}: unclear message {str(exc)[:300]!r}")
        return
    except Exception as exc:
        PROTOCOL_FILES.fail(f"{kind}: CRASH {type(exc).__name__}: {str(exc)[:200]}")
        return
    PROTOCOL_FILES.count(f"accepted: {kind}")
    if bad := _non_finite(lp.protocol.model_dump()):
        PROTOCOL_FILES.fail(f"{kind}: NaN/Infinity accepted at {bad}")
    if not _same(_as_read(data), lp.protocol):
        PROTOCOL_FILES.fail(
            f"{kind}: accepted, but the protocol holds something other than the file says"
        )
        return
    _check_accepted_protocol(kind, lp, data)


def _check_accepted_protocol(kind: str, lp: LoadedProtocol, data: bytes) -> None:
    again = load_protocol_bytes(data, "again")
    if again.protocol != lp.protocol or again.sha256 != lp.sha256:
        PROTOCOL_FILES.fail(f"{kind}: the same bytes load differently")
    if lp.sha256 == proto().sha256 and data != UK.read_bytes():
        PROTOCOL_FILES.fail(f"{kind}: changed bytes, same hash")
    if not lp.not_for_clinical_use:
        PROTOCOL_FILES.fail(f"{kind}: a mutated draft became approved")
    for case in seed_plans()[1:]:
        inputs = parse_plan_bytes(case)
        if inputs.regimen.preset_id not in {g.id for g in lp.protocol.regimens}:
            continue
        try:
            plan = evaluate(lp, inputs, now=NOW)
        except InputError:
            continue
        except Exception as exc:
            PROTOCOL_FILES.fail(
                f"{kind}: accepted protocol crashes the engine: {type(exc).__name__}: {exc}"
            )
            continue
        if plan.protocol.sha256 != lp.sha256:
            PROTOCOL_FILES.fail(f"{kind}: the plan does not carry the protocol's hash (VER-01)")


def test_protocol_file_mutation_campaign() -> None:
    r = rng("protocol-files")
    seeds = [UK.read_bytes(), US.read_bytes()]
    for _ in range(scaled(ci=300, release=4000)):
        _protocol_case(r, seeds)
    PROTOCOL_FILES.check()


def test_very_large_protocol_file_is_handled() -> None:
    """A protocol padded to many megabytes loads (same content, new hash); no crash."""
    data = UK.read_bytes().rstrip() + b" " * scaled(ci=3_000_000, release=30_000_000) + b"\n"
    PROTOCOL_FILES.tried()
    lp = load_protocol_bytes(data, "padded")
    assert lp.protocol == proto().protocol and lp.sha256 != proto().sha256


def test_every_mutator_is_exercised_and_harmless_changes_load() -> None:
    """The campaign is not vacuous: each mutator runs; a reordered file loads unchanged."""
    r = rng("self-check")
    base = seed_plans()[0]
    doc = json.loads(base)
    kinds = {m(r, base, doc)[0] for m in MUTATORS}
    assert len(kinds) >= len(set(MUTATORS)) - 1
    _, data = m_reordered(r, base, doc)
    assert parse_plan_bytes(data) == parse_plan_bytes(base)
    # A silent conversion is detected by the "exactly what the file says" check.
    coerced = json.loads(base)
    coerced["labs"]["potassium"]["value"] = True
    assert not _same(coerced, PlanInputs.model_validate(coerced))
    assert _same(json.loads(base), parse_plan_bytes(base))


def test_wrong_types_at_every_leaf_are_refused_or_read_exactly() -> None:
    """Every wrong JSON type at every leaf of a plan file: refused, never silently converted."""
    base = seed_plans()[1]
    doc = json.loads(base)
    for path in _paths(doc)[1:]:
        original = _get(doc, path)
        for wrong in WRONG_TYPES:
            if type(wrong) is type(original):
                continue
            mutated = _set(_copy(doc), path, wrong)
            PLANS.tried()
            try:
                inputs = parse_plan_bytes(_dumps(mutated))
            except B12KError:
                PLANS.count("refused: wrong type at a leaf")
                continue
            except Exception as exc:
                PLANS.fail(f"wrong type at {path}: CRASH {type(exc).__name__}: {exc}")
                continue
            PLANS.count("accepted: wrong type at a leaf (optional value set to null)")
            if not _same(mutated, inputs):
                PLANS.fail(f"{'.'.join(map(str, path))}={wrong!r} silently converted")
    PLANS.check()
