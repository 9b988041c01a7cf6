"""FHIR import at scale: make a ward-shaped Bundle, and measure `b12k import-fhir` on it.

    python benchmarks/fhir_import.py make N BUNDLE.json    # a Patient and N Observations
    python benchmarks/fhir_import.py measure BUNDLE.json [--trace] [--full-report]

`measure` runs the command's own code (`desktop_app.cli.main(["import-fhir", ...])`) in this
process, after importing the modules it uses, and prints one JSON line: the seconds it took, the
peak resident memory it added (VmHWM after the import minus VmRSS before it, from /proc), with
--trace the peak of Python's own allocations (tracemalloc, much slower), and the number of report
lines (the report itself is counted, not kept). Started by benchmarks/commands.py.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: The clock of the import: every generated sample is before it.
NOW = datetime.fromisoformat("2026-11-26T12:00:00+00:00")
PATIENT_REF = "Patient/bench-pat"

#: (LOINC, display, UCUM unit, first value, step): the tests a ward sends, in the units it uses.
TESTS = (
    ("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 3.1, 0.1),
    ("19123-9", "Magnesium [Mass/volume] in Serum or Plasma", "mg/dL", 1.7, 0.1),
    ("2777-1", "Phosphate [Mass/volume] in Serum or Plasma", "mg/dL", 2.8, 0.1),
    ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 7.1, 0.1),
    ("787-2", "MCV [Entitic volume] by Automated count", "fL", 108.0, 1.0),
    ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.9, 0.1),
    ("777-3", "Platelets [#/volume] in Blood by Automated count", "10*3/uL", 180.0, 5.0),
    ("2132-9", "Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma", "pg/mL", 120.0, 5.0),
)


def observation(i: int) -> dict[str, Any]:
    """The i-th result: tests in turn, one draw an hour back from NOW; 1 in 50 preliminary."""
    code, display, unit, first, step = TESTS[i % len(TESTS)]
    when = NOW - timedelta(hours=1 + i // len(TESTS), minutes=i % 7)
    return {
        "fullUrl": f"https://lab.example.org/fhir/Observation/obs-{i}",
        "resource": {
            "resourceType": "Observation",
            "id": f"obs-{i}",
            "status": "preliminary" if i % 50 == 49 else "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "laboratory",
                        }
                    ]
                }
            ],
            "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": display}]},
            "subject": {"reference": PATIENT_REF},
            "effectiveDateTime": when.isoformat(),
            "issued": (when + timedelta(hours=1)).isoformat(),
            "valueQuantity": {
                "value": round(first + step * (i % 9), 1),
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            },
        },
    }


def make_bundle(count: int, path: Path) -> int:
    """Write a searchset Bundle of one Patient and `count` Observations; return its bytes."""
    patient = {
        "fullUrl": "https://lab.example.org/fhir/Patient/bench-pat",
        "resource": {
            "resourceType": "Patient",
            "id": "bench-pat",
            "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.1.4.1", "value": "RX0042137"}],
            "name": [{"family": "Ellison", "given": ["Margaret"]}],
            "gender": "female",
            "birthDate": "1948-03-14",
        },
    }
    with path.open("w", encoding="utf-8") as out:
        out.write(f'{{"resourceType": "Bundle", "type": "searchset", "total": {count}, "entry": [')
        out.write(json.dumps(patient))
        for i in range(count):
            out.write(",\n" + json.dumps(observation(i)))
        out.write("]}\n")
    return path.stat().st_size


def _reset_peak() -> None:
    """Reset this process's peak resident memory (VmHWM) to what it uses now (Linux 4.0+)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _status_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in kB (0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class _LineCounter(io.TextIOBase):
    """A text stream that counts the lines written to it and keeps none of them."""

    def __init__(self) -> None:
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)


def measure(bundle: Path, trace: bool, full_report: bool) -> dict[str, Any]:
    """Run `b12k import-fhir BUNDLE` in this process; return its figures."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import tracemalloc

    from desktop_app.cli import build_parser, main

    build_parser()
    import desktop_app.fhir.files
    import desktop_app.fhir.importer
    import desktop_app.storage.plan_files
    import desktop_app.storage.protocols  # noqa: F401

    argv = ["import-fhir", str(bundle), "--now", NOW.isoformat()]
    if full_report:
        argv.append("--full-report")
    with tempfile.TemporaryDirectory(prefix="b12k-fhir-") as tmp:
        argv += ["-o", str(Path(tmp) / "inputs.json")]
        sink = _LineCounter()
        _reset_peak()
        before = _status_kb("VmRSS")
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()):
            status = main(argv)
        seconds = time.perf_counter() - started
        traced = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
        peak = _status_kb("VmHWM")
    return {
        "status": status,
        "seconds": seconds,
        "bytes": bundle.stat().st_size,
        "rss_added_mb": max(0, peak - before) / 1024,
        "traced_peak_mb": traced / 1e6,
        "report_lines": sink.lines,
    }


def main(argv: list[str] | None = None) -> int:
    """make or measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("make", help="write a Bundle of a Patient and N Observations")
    p.add_argument("count", type=int)
    p.add_argument("path", type=Path)
    p = sub.add_parser("measure", help="time b12k import-fhir on a Bundle; print JSON")
    p.add_argument("path", type=Path)
    p.add_argument("--trace", action="store_true", help="also the tracemalloc peak (slow)")
    p.add_argument("--full-report", action="store_true", help="pass --full-report")
    args = parser.parse_args(argv)
    if args.action == "make":
        print(make_bundle(args.count, args.path))
        return 0
    print(json.dumps(measure(args.path, args.trace, args.full_report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
