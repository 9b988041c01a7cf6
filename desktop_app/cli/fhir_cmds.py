"""FHIR sub-commands: import-fhir (results into a plan file) and export-fhir (plan as a Bundle)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_import(args: argparse.Namespace) -> int:
    from desktop_app.cli.core_cmds import parse_now
    from desktop_app.fhir.importer import import_fhir_file, render_import_report
    from desktop_app.storage.atomic import atomic_write_bytes
    from desktop_app.storage.plan_files import plan_bytes, read_plan_file
    from desktop_app.storage.protocols import load_protocol

    lp = load_protocol(args.protocol)
    current = read_plan_file(args.into) if args.into else None
    result = import_fhir_file(
        args.bundle, lp, current, now=parse_now(args.now), confirm_unidentified=args.confirm_patient
    )
    sys.stdout.write(render_import_report(result, full=args.full_report))
    atomic_write_bytes(Path(args.output), plan_bytes(result.inputs))
    filled = len(result.used)
    print(
        f"Wrote {args.output}: {filled} result(s) used, {len(result.refused)} refused, "
        f"{len(result.not_used)} not needed. Check the values against the laboratory report.",
        file=sys.stderr,
    )
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from collections import Counter

    from desktop_app.fhir.errors import FhirExtraMissingError
    from desktop_app.fhir.validate import fhir_resources_available

    if not fhir_resources_available():
        raise FhirExtraMissingError("export-fhir validates the Bundle with fhir.resources.")
    from desktop_app.cli.core_cmds import parse_now
    from desktop_app.fhir.export import bundle_json_bytes, export_plan_bundle
    from desktop_app.logic.engine import evaluate
    from desktop_app.storage.atomic import atomic_write_bytes
    from desktop_app.storage.plan_files import read_plan_file
    from desktop_app.storage.protocols import load_protocol

    lp = load_protocol(args.protocol)
    inputs = read_plan_file(args.input)
    plan = evaluate(lp, inputs, now=parse_now(args.now))
    bundle = export_plan_bundle(plan, lp)
    atomic_write_bytes(Path(args.output), bundle_json_bytes(bundle))
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    print(
        f"Wrote {args.output}: FHIR R4 Bundle with a CarePlan, {kinds['MedicationRequest']} "
        f"MedicationRequest(s) and {kinds['ServiceRequest']} ServiceRequest(s) for "
        f"{len(plan.schedule)} draw(s), validated against the R4B models. Protocol "
        f"{plan.protocol.protocol_id} {plan.protocol.version}"
        + (" - NOT FOR CLINICAL USE" if plan.protocol.not_for_clinical_use else "")
        + ".",
        file=sys.stderr,
    )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the FHIR sub-commands."""
    p = sub.add_parser(
        "import-fhir",
        help="read lab results from a FHIR R4 Bundle or Observation into a plan file",
        description="Read lab results (matched by LOINC) and patient details from a FHIR R4 "
        "Bundle, search result or single Observation; print what was used and what was "
        "refused and why; write the plan (input) file.",
    )
    p.add_argument("bundle", type=Path, help="FHIR R4 JSON file")
    p.add_argument("-o", "--output", type=Path, required=True, help="plan file to write")
    p.add_argument(
        "--into",
        type=Path,
        default=None,
        help="existing plan file to fill (its patient must match the file's)",
    )
    p.add_argument(
        "--protocol", type=Path, default=None, help="site protocol file (default: shipped)"
    )
    p.add_argument(
        "--now", default=None, help="refuse sample times after this ISO date-time (default: now)"
    )
    p.add_argument(
        "--confirm-patient",
        action="store_true",
        help="the file does not identify the patient and you have checked that the "
        "results are for the patient of --into",
    )
    p.add_argument(
        "--full-report",
        action="store_true",
        help="list every Observation in the report (by default a long report lists the results "
        "used and summarises the others per test)",
    )
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser(
        "export-fhir",
        help="write the plan as a FHIR R4 Bundle (needs the 'fhir' extra)",
        description="Make the plan for a plan (input) file and write it as a FHIR R4 Bundle: "
        "CarePlan, MedicationRequests, ServiceRequests and Provenance, validated with the "
        'fhir.resources R4B models (install with: .venv/bin/pip install -e ".[fhir]").',
    )
    p.add_argument("input", type=Path, help="plan file (JSON, as saved by the GUI)")
    p.add_argument("-o", "--output", type=Path, required=True, help="Bundle file to write")
    p.add_argument(
        "--protocol", type=Path, default=None, help="site protocol file (default: shipped)"
    )
    p.add_argument("--now", default=None, help="plan as of this ISO date-time (default: now)")
    p.set_defaults(func=_cmd_export)
