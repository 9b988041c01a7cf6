"""Issuing a sheet with its audit record, and reprinting a recorded sheet. Qt-free.

`export_and_record` and `record_printed` are what the GUI and the CLI call. With the local SQLite
register the sheet is produced first; if the register cannot record it, the caller gets a
warning string to show, and the sheet stays written. With the shared register on PostgreSQL
(`refuses_unrecorded`), the sheet is recorded before it is written, and a server that cannot be
reached refuses the sheet (`AuditUnreachableError`): it is never issued unrecorded. `reprint` rebuilds the plan from what the record stored (inputs, protocol
bytes, the evaluation time) and renders it on the recorded paper, then compares the PDF's SHA-256
with the recorded one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from desktop_app import __version__
from desktop_app.audit.backend import open_register
from desktop_app.audit.errors import AuditError, AuditMismatchError
from desktop_app.audit.register import (
    PRINTED,
    AuditRecord,
    Kind,
    RecordDraft,
    Register,
    current_host,
    current_os_user,
    sha256_hex,
)
from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import B12KError
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.logic.privacy import masked
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.report import (
    SheetLintError,
    SheetOptions,
    checked_order_sheet,
    export_order_sheet,
    render_order_sheet,
)
from desktop_app.storage.atomic import atomic_write_bytes
from desktop_app.storage.plan_files import parse_plan_bytes, plan_bytes
from desktop_app.storage.protocols import load_protocol_data

_log = logging.getLogger(__name__)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from desktop_app.audit.pg import PgRegister

    AnyRegister = Register | PgRegister
else:
    AnyRegister = Register
RegisterLike = AnyRegister | Path | str | None


def plan_sha256(plan: Plan) -> str:
    """Return the SHA-256 of the plan's JSON (tells an engine change from a layout change)."""
    return sha256_hex(plan.model_dump_json().encode("utf-8"))


def load_protocol_with_bytes(path: Path) -> tuple[LoadedProtocol, bytes]:
    """Read a protocol file once; return it validated together with the exact bytes read.

    The register keeps these bytes so that a reprint works after the site's file has changed.

    Raises:
        ProtocolError: the file cannot be read or is not a valid protocol.
    """
    from desktop_app.logic.errors import FieldProblem, ProtocolError

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ProtocolError(
            [FieldProblem("(file)", f"cannot read {path}: {exc.strerror or exc}")]
        ) from None
    return load_protocol_data(data, Path(path).name), data


def build_draft(
    plan: Plan,
    inputs: PlanInputs,
    protocol: LoadedProtocol,
    protocol_bytes: bytes,
    *,
    pdf_sha256: str,
    paper: str,
    destination: str,
    kind: Kind = "issue",
    reprint_of: int | None = None,
    os_user: str | None = None,
    batch_id: str | None = None,
    sheet_anchor: str | None = None,
) -> RecordDraft:
    """Return the record for a sheet, after checking that plan, inputs and protocol belong together.

    The check re-evaluates the inputs at `plan.generated_at` (about a millisecond): a record whose
    inputs would not rebuild the very plan printed could never be reprinted.

    Raises:
        AuditMismatchError: the protocol bytes or the inputs are not those the plan was made from.
    """
    if sha256_hex(protocol_bytes) != protocol.sha256 or protocol.sha256 != plan.protocol.sha256:
        raise AuditMismatchError(
            "The protocol file has changed since this plan was made (its SHA-256 differs), so the "
            "record would not match the sheet. Make the plan again, then print or export it."
        )
    try:
        rebuilt = evaluate(protocol, inputs, now=plan.generated_at)
    except B12KError as exc:
        raise AuditMismatchError(
            f"The inputs given for the audit record do not make a plan: {exc}"
        ) from exc
    if rebuilt != plan:
        raise AuditMismatchError(
            "The plan shown is not the plan these inputs make (the inputs changed after the plan "
            "was made). Make the plan again, then print or export it."
        )
    overrides = [note.model_dump(mode="json") for note in plan.overrides]
    return RecordDraft(
        kind=kind,
        os_user=os_user if os_user is not None else current_os_user(),
        host=current_host(),
        prescriber=inputs.prescriber,
        patient_identifier=inputs.patient.identifier,
        patient_name=inputs.patient.name,
        plan_id=plan.plan_id,
        plan_inputs_json=plan_bytes(inputs).decode("utf-8"),
        overrides_json=json.dumps(overrides, sort_keys=True, ensure_ascii=False),
        override_count=len(overrides),
        protocol_id=plan.protocol.protocol_id,
        protocol_version=plan.protocol.version,
        protocol_sha256=plan.protocol.sha256,
        protocol_source=protocol.source_name,
        evaluated_at=plan.generated_at.isoformat(),
        plan_sha256=plan_sha256(plan),
        paper=paper,
        app_version=plan.app_version,
        pdf_sha256=pdf_sha256,
        destination=destination,
        reprint_of=reprint_of,
        batch_id=batch_id,
        sheet_anchor=sheet_anchor,
    )


@dataclass(frozen=True)
class IssueResult:
    """What happened when a sheet was issued: its hash, its record, or why it was not recorded."""

    pdf_sha256: str
    destination: str
    record: AuditRecord | None
    warning: str | None

    @property
    def recorded(self) -> bool:
        """True when the sheet is in the audit register."""
        return self.record is not None


def _open(register: RegisterLike) -> AnyRegister:
    if register is None or isinstance(register, str | Path):
        return open_register(register)
    return register


def _names_server(register: RegisterLike) -> bool:
    from desktop_app.audit.backend import is_server_target, resolve

    if register is not None and not isinstance(register, str | Path):
        return False
    return is_server_target(resolve(register))


def _strict(register: object) -> bool:
    """True for a register that refuses a sheet it cannot record (the shared server)."""
    return bool(getattr(register, "refuses_unrecorded", False))


def anchored(options: SheetOptions | None, register: RegisterLike = None) -> SheetOptions:
    """Return sheet options that print the register's current head in the footer.

    The record of the sheet keeps the same head (`sheet_anchor`), so the paper copy anchors the
    chain and a reprint prints it again. When the register cannot be read, the options are
    returned as they were: recording will fail too, and say why.
    """
    options = options or SheetOptions()
    try:
        head = _open(register).anchor()
    except B12KError as exc:
        if _strict(register) or _names_server(register):
            raise  # the shared register: a sheet it cannot record is not issued
        _log.warning("the sheet will not show the audit register's head: %s", exc)
        return options
    return SheetOptions.model_validate({**options.model_dump(), "register_anchor": head})


def _try_record(
    register: RegisterLike, protocol_bytes: bytes, what: str, make_draft: Callable[[], RecordDraft]
) -> tuple[AuditRecord | None, str | None]:
    """Build and append a record; turn any failure into the warning the user must see."""
    draft: RecordDraft | None = None
    try:
        draft = make_draft()
        return _open(register).append(draft, protocol_bytes), None
    except Exception as exc:
        patient = (draft.patient_name, draft.patient_identifier) if draft else ()
        if not isinstance(exc, B12KError):
            _log.exception("unexpected failure while recording %s", masked(what, *patient))
        warning = (
            f"{what} was produced but NOT recorded in the audit register. Tell the pharmacist or "
            f"IT, and keep a copy of the sheet. Reason: {exc}"
        )
        _log.warning("%s", masked(warning, *patient))
        return None, warning


def export_and_record(
    plan: Plan,
    inputs: PlanInputs,
    protocol: LoadedProtocol,
    protocol_bytes: bytes,
    path: Path,
    options: SheetOptions | None = None,
    *,
    register: RegisterLike = None,
    os_user: str | None = None,
    batch_id: str | None = None,
) -> IssueResult:
    """Render and export the order sheet to `path`, then record it in the audit register.

    Raises:
        B12KError: the sheet could not be produced or written (nothing was recorded).
        AuditError: the shared register could not record the sheet (nothing was written).
    """
    if _strict(register) or _names_server(register):
        _pdf, result = issue_recorded_first(
            plan,
            inputs,
            protocol,
            protocol_bytes,
            path,
            options,
            register=register,
            os_user=os_user,
            batch_id=batch_id,
        )
        return result
    options = options if options and options.register_anchor else anchored(options, register)
    pdf = export_order_sheet(plan, Path(path), options)
    return record_exported(
        plan,
        inputs,
        protocol,
        protocol_bytes,
        path,
        pdf,
        options,
        register=register,
        os_user=os_user,
        batch_id=batch_id,
    )


def issue_recorded_first(
    plan: Plan,
    inputs: PlanInputs,
    protocol: LoadedProtocol,
    protocol_bytes: bytes,
    path: Path,
    options: SheetOptions | None = None,
    *,
    register: RegisterLike = None,
    os_user: str | None = None,
    batch_id: str | None = None,
) -> tuple[bytes, IssueResult]:
    """Render and lint the sheet, record it, and only then write it to `path`.

    For the shared register: a sheet the server cannot record is never written.

    Raises:
        AuditError: the register could not record it (nothing was written); for a server that
            cannot be reached, `AuditUnreachableError` names it and says what to do.
        SheetLintError: the sheet failed its lint (nothing was recorded or written).
        B12KError: the file could not be written after the record was made (the message says
            so, and which record it is).
    """
    opened = _open(register)
    options = options if options and options.register_anchor else anchored(options, opened)
    try:
        pdf = checked_order_sheet(plan, options)
    except SheetLintError as exc:
        raise SheetLintError(exc.violations, Path(path)) from None
    digest = sha256_hex(pdf)
    destination = str(Path(path).resolve())
    draft = build_draft(
        plan,
        inputs,
        protocol,
        protocol_bytes,
        pdf_sha256=digest,
        paper=options.paper,
        destination=destination,
        os_user=os_user,
        batch_id=batch_id,
        sheet_anchor=options.register_anchor,
    )
    record = opened.append(draft, protocol_bytes)
    try:
        atomic_write_bytes(Path(path), pdf)
    except B12KError as exc:
        raise B12KError(
            f"The sheet was recorded as record {record.id} in the audit register, but the file "
            f"could not be written: {exc} Write it again with 'b12k audit reprint --record "
            f"{record.id} -o FILE'."
        ) from exc
    return pdf, IssueResult(digest, destination, record, None)


def record_exported(
    plan: Plan,
    inputs: PlanInputs,
    protocol: LoadedProtocol,
    protocol_bytes: bytes,
    path: Path,
    pdf: bytes,
    options: SheetOptions | None = None,
    *,
    register: RegisterLike = None,
    os_user: str | None = None,
    batch_id: str | None = None,
) -> IssueResult:
    """Record a sheet that was already exported to `path` (`pdf` are the bytes written).

    For callers that export through the report package themselves (`b12k pdf`). Never raises for
    a recording failure: the result's `warning` says what went wrong.
    """
    return _record_sheet(
        plan,
        inputs,
        protocol,
        protocol_bytes,
        pdf,
        options or SheetOptions(),
        register=register,
        destination=str(Path(path).resolve()),
        what=f"The sheet {Path(path).name}",
        os_user=os_user,
        batch_id=batch_id,
    )


def record_printed(
    plan: Plan,
    inputs: PlanInputs,
    protocol: LoadedProtocol,
    protocol_bytes: bytes,
    pdf: bytes,
    options: SheetOptions | None = None,
    *,
    register: RegisterLike = None,
    printer: str = "",
    os_user: str | None = None,
) -> IssueResult:
    """Record a sheet sent to a printer (`pdf` is the exact document printed).

    Never raises for a recording failure: the result's `warning` says what went wrong.
    """
    return _record_sheet(
        plan,
        inputs,
        protocol,
        protocol_bytes,
        pdf,
        options or SheetOptions(),
        register=register,
        destination=f"{PRINTED} ({printer})" if printer else PRINTED,
        what="The printed sheet",
        os_user=os_user,
    )


def _record_sheet(
    plan: Plan,
    inputs: PlanInputs,
    protocol: LoadedProtocol,
    protocol_bytes: bytes,
    pdf: bytes,
    options: SheetOptions,
    *,
    register: RegisterLike,
    destination: str,
    what: str,
    os_user: str | None,
    batch_id: str | None = None,
) -> IssueResult:
    """Record one issued sheet (exported or printed) under its destination."""
    digest = sha256_hex(pdf)
    record, warning = _try_record(
        register,
        protocol_bytes,
        what,
        partial(
            build_draft,
            plan,
            inputs,
            protocol,
            protocol_bytes,
            pdf_sha256=digest,
            paper=options.paper,
            destination=destination,
            os_user=os_user,
            batch_id=batch_id,
            sheet_anchor=options.register_anchor,
        ),
    )
    return IssueResult(digest, destination, record, warning)


# ----- reprint -------------------------------------------------------------------------------


class ReprintError(AuditError):
    """A recorded sheet could not be rebuilt; the message says why."""


@dataclass(frozen=True)
class Rebuilt:
    """A recorded plan rebuilt from what the record stored."""

    record: AuditRecord
    inputs: PlanInputs
    protocol: LoadedProtocol
    protocol_bytes: bytes
    plan: Plan

    @property
    def plan_identical(self) -> bool:
        """True when this program computes the very plan that was recorded."""
        return plan_sha256(self.plan) == self.record.plan_sha256


def rebuild(register: AnyRegister, record_id: int) -> Rebuilt:
    """Rebuild the plan of a record from its stored inputs, protocol bytes and evaluation time.

    Raises:
        AuditNotFoundError: no such record, or its protocol is not stored.
        ReprintError: this program can no longer read the stored inputs or protocol.
    """
    record = register.get(record_id)
    data = register.protocol_bytes(record.protocol_sha256)
    try:
        protocol = load_protocol_data(data, record.protocol_source or "stored protocol")
        inputs = parse_plan_bytes(record.plan_inputs_json.encode("utf-8"), f"record {record_id}")
        now = datetime.fromisoformat(record.evaluated_at)
        plan = evaluate(protocol, inputs, now=now)
    except (B12KError, ValueError) as exc:
        raise ReprintError(
            f"Record {record_id} cannot be rebuilt by this program (version {__version__}; the "
            f"sheet was issued by version {record.app_version}): {exc}"
        ) from exc
    return Rebuilt(record, inputs, protocol, data, plan)


@dataclass(frozen=True)
class ReprintResult:
    """A reprint: the PDF, whether it is byte-identical to the recorded one, and what to say."""

    record: AuditRecord
    pdf: bytes
    pdf_sha256: str
    identical: bool
    plan_identical: bool
    path: Path | None
    reprint_record: AuditRecord | None
    warning: str | None

    def message(self) -> str:
        """Return the sentence to show: identical, or how and probably why it differs."""
        rec = self.record
        if self.identical:
            text = (
                f"Reprint of record {rec.id} is byte-identical to the sheet issued "
                f"(SHA-256 {self.pdf_sha256})."
            )
        else:
            cause = (
                "The plan itself is the same; the PDF's layout differs (a renderer or font change)."
                if self.plan_identical
                else "The plan itself differs: this program computes a different plan from the "
                "same inputs and protocol."
            )
            text = (
                f"WARNING: the reprint of record {rec.id} DIFFERS from the sheet issued. Recorded "
                f"SHA-256 {rec.pdf_sha256}; reprint {self.pdf_sha256}. {cause} The sheet was "
                f"issued by version {rec.app_version}; this is version {__version__}. Do not use "
                "the reprint as a copy of the sheet issued."
            )
        if self.warning:
            text += " " + self.warning
        return text


def reprint(
    register: AnyRegister,
    record_id: int,
    path: Path | None = None,
    *,
    record: bool = True,
    os_user: str | None = None,
) -> ReprintResult:
    """Rebuild a recorded sheet; write it to `path` (and record the reprint) when given.

    The file is written even when the reprint differs from the sheet issued, so that the two can
    be compared; `ReprintResult.identical` and `message()` say so.

    Raises:
        AuditError: the record cannot be found or rebuilt.
        B12KError: the file could not be written.
    """
    built = rebuild(register, record_id)
    rec = built.record
    options = SheetOptions.model_validate({"paper": rec.paper, "register_anchor": rec.sheet_anchor})
    pdf = render_order_sheet(built.plan, options)
    digest = sha256_hex(pdf)
    stored: AuditRecord | None = None
    warning: str | None = None
    if path is not None:
        atomic_write_bytes(Path(path), pdf)
        if record:
            stored, warning = _try_record(
                register,
                built.protocol_bytes,
                f"The reprint {Path(path).name}",
                partial(
                    build_draft,
                    built.plan,
                    built.inputs,
                    built.protocol,
                    built.protocol_bytes,
                    pdf_sha256=digest,
                    paper=rec.paper,
                    destination=str(Path(path).resolve()),
                    kind="reprint",
                    reprint_of=rec.id,
                    os_user=os_user,
                ),
            )
    return ReprintResult(
        rec,
        pdf,
        digest,
        digest == rec.pdf_sha256,
        built.plan_identical,
        Path(path) if path else None,
        stored,
        warning,
    )


__all__ = [
    "IssueResult",
    "Rebuilt",
    "ReprintError",
    "ReprintResult",
    "anchored",
    "build_draft",
    "export_and_record",
    "load_protocol_with_bytes",
    "plan_sha256",
    "rebuild",
    "record_exported",
    "record_printed",
    "reprint",
]
