"""Strict-times campaign: random values in every time field of a plan file and of a FHIR import.

Each value (Unix seconds as a number or a text, decimals, ISO 8601 texts with and without a zone,
basic and week formats, spaced times, dates from year 1 to 9999 with any offset, texts near now,
booleans, lists) goes into one time field of a valid plan file, or into the effectiveDateTime of
a FHIR potassium Observation. The program must either refuse it with a message naming that field
(the import: a refused row with its reason), or read exactly the ISO 8601 date-time with a zone
that the text says, inside the protocol's plausible window around now (issue 16 items 1, 2).
Never a traceback, never a number read as a time. A "file lost" does not apply here (0).
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta
from typing import Any

from desktop_app.fhir import import_fhir
from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import B12KError, InputError
from desktop_app.logic.models import ISO_DATETIME
from desktop_app.storage.plan_files import parse_plan_bytes
from tests.fhir.builders import bundle, obs, patient
from tests.logic.helpers import NOW, base_case, proto
from tests.safety.campaign import rng, scaled, tally

TIMES = tally("strict times")

#: Time fields of a plan file: (path in the file, earliest and latest allowed relative to now).
BACK = timedelta(days=365)
AHEAD = timedelta(days=60)
FIELDS: dict[str, tuple[timedelta, timedelta]] = {
    "labs.potassium.sampled_at": (-BACK, timedelta(0)),
    "labs.haemoglobin.sampled_at": (-BACK, timedelta(0)),
    "regimen.first_dose_at": (-BACK, AHEAD),
    "modifiers.planned_discharge_at": (-BACK, AHEAD),
}
#: Time fields a plan may leave empty (null): no planned discharge is a valid plan.
OPTIONAL = frozenset({"modifiers.planned_discharge_at"})


def _offset(r: random.Random) -> str:
    if r.random() < 0.3:
        return "Z"
    return f"{r.choice('+-')}{r.randrange(0, 24):02d}:{r.choice((0, 30, 45)):02d}"


def _iso(r: random.Random, year: int) -> str:
    return (
        f"{year:04d}-{r.randrange(1, 13):02d}-{r.randrange(1, 32):02d}"
        f"T{r.randrange(0, 25):02d}:{r.randrange(0, 60):02d}:{r.randrange(0, 60):02d}"
    )


def value(r: random.Random) -> Any:
    """One candidate time value, of any of the kinds a file might hold."""
    near = NOW + timedelta(minutes=r.randrange(-600 * 24 * 60, 120 * 24 * 60))
    kinds = [
        lambda: r.randrange(-(2**40), 2**40),
        lambda: r.uniform(-1e10, 1e10),
        lambda: str(r.randrange(0, 2**34)),
        lambda: f"{r.uniform(0, 1e4):.1f}",
        lambda: _iso(r, r.randrange(1, 10000)) + _offset(r),
        lambda: near.isoformat(),
        lambda: near.astimezone().isoformat(
            timespec=r.choice(("minutes", "seconds", "microseconds"))
        ),
        lambda: near.replace(tzinfo=None).isoformat(),
        lambda: near.date().isoformat(),
        lambda: near.strftime("%Y%m%dT%H%M%SZ"),
        lambda: near.strftime("%Y-%m-%d %H:%M:%SZ"),
        lambda: near.strftime("%G-W%V-%uT%H:%M:%SZ"),
        lambda: r.choice(
            (
                "9999-12-31T23:59:59-14:00",
                "0001-01-01T00:00:00+14:00",
                "9999-12-31T20:00:00Z",
                "0001-01-01T00:00:00Z",
            )
        ),
        lambda: r.choice((True, False, None, [], {}, "", " ", "now", "2026-11-26T07:10:00z")),
    ]
    return r.choice(kinds)()


def _expected(text: Any, low: timedelta, high: timedelta) -> datetime | None:
    """The time a correct program reads from `text`, None when it must refuse it."""
    if not isinstance(text, str) or not ISO_DATETIME.fullmatch(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
        moment.astimezone(NOW.tzinfo)
    except (ValueError, OverflowError):
        return None
    return moment if NOW + low <= moment <= NOW + high else None


def _set(case: dict[str, Any], path: str, v: Any) -> None:
    *parents, last = path.split(".")
    holder = case
    for key in parents:
        holder = holder[key]
    holder[last] = v


def _read(path: str, plan: Any) -> datetime:
    holder = plan
    for key in path.split("."):
        holder = getattr(holder, key)
    assert isinstance(holder, datetime)
    return holder


def _plan_case(r: random.Random, i: int) -> None:
    path = r.choice(sorted(FIELDS))
    v = value(r)
    case = base_case()
    _set(case, path, v)
    expected = _expected(v, *FIELDS[path])
    what = f"{path} = {json.dumps(v)}"
    empty_allowed = v is None and path in OPTIONAL
    TIMES.tried()
    try:
        inputs = parse_plan_bytes(json.dumps(case).encode(), f"case {i}")
        evaluate(proto(), inputs, now=NOW)
    except InputError as exc:
        named = {re.sub(r"\[(\d+)\]", r".\1", p.path) for p in exc.problems}
        if empty_allowed:
            TIMES.fail(f"{what}: an optional time left empty was refused ({exc})")
        elif path not in named:
            TIMES.fail(f"{what}: refused without naming the field ({exc})")
        elif expected is not None and path != "modifiers.planned_discharge_at":
            TIMES.fail(f"{what}: a valid time in the window was refused ({exc})")
        else:
            TIMES.count("plan file: refused, the field named")
        return
    except B12KError as exc:
        TIMES.fail(f"{what}: refused as a whole file ({exc})")
        return
    except Exception as exc:
        TIMES.fail(f"{what}: {type(exc).__name__}: {exc}")
        return
    if empty_allowed:
        holder: Any = inputs
        for key in path.split("."):
            holder = getattr(holder, key)
        if holder is None:
            TIMES.count("plan file: optional time left empty, planned")
        else:
            TIMES.fail(f"{what}: read as {holder!r}")
    elif expected is None:
        TIMES.fail(f"{what}: accepted, but it is not an ISO 8601 time with a zone in the window")
    elif _read(path, inputs) != expected:
        TIMES.fail(f"{what}: read as {_read(path, inputs).isoformat()}")
    else:
        TIMES.count("plan file: planned, read exactly")


def _fhir_case(r: random.Random) -> None:
    v = value(r)
    expected = _expected(v, -BACK, timedelta(0))
    what = f"effectiveDateTime = {json.dumps(v)}"
    TIMES.tried()
    try:
        result = import_fhir(
            bundle(patient(), obs("2823-3", 4.1, "mmol/L", v)), proto(), None, now=NOW
        )
    except Exception as exc:
        TIMES.fail(f"FHIR {what}: {type(exc).__name__}: {exc}")
        return
    (row,) = result.rows
    k = result.inputs.labs.potassium
    if row.outcome == "used":
        if expected is None or k is None or k.sampled_at != expected:
            TIMES.fail(f"FHIR {what}: used as {k.sampled_at if k else None}")
        else:
            TIMES.count("FHIR: used, read exactly")
    elif expected is not None:
        TIMES.fail(f"FHIR {what}: a valid time in the window was refused ({row.reason})")
    elif not row.reason:
        TIMES.fail(f"FHIR {what}: refused without a reason")
    else:
        TIMES.count("FHIR: refused with a reason")


def test_strict_times_in_plan_files() -> None:
    r = rng("times:plan")
    for i in range(scaled(300, 3000)):
        _plan_case(r, i)
    TIMES.check()


def test_strict_times_in_fhir_imports() -> None:
    r = rng("times:fhir")
    for _ in range(scaled(150, 1500)):
        _fhir_case(r)
    TIMES.check()
