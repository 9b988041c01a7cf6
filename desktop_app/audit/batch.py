"""Recording the sheets of `b12k batch`: each sheet its own record, all under the batch's run id.

The report package writes the sheets (`desktop_app.report.batch.run_batch`); this module gives it
the work each worker process does per plan file: plan, render, lint, write, then record in the
register. A sheet that was written but could not be recorded is reported with the reason.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.logic.errors import B12KError
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.report.batch import BatchItem, BatchResult
from desktop_app.report.options import SheetOptions


def new_batch_id(moment: datetime | None = None) -> str:
    """Return a run id for one batch: its UTC start time and 8 random hex digits."""
    stamp = (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"batch-{stamp}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class RecordingWork:
    """What a batch worker does for one plan file when the batch is recorded (picklable).

    Args:
        register_path: the register every sheet of the batch is recorded in (a file, or the
            shared register's connection string).
        batch_id: the run id stored in every record of this batch.
    """

    register_path: Path | str
    batch_id: str

    def __call__(
        self, item: BatchItem, protocol: LoadedProtocol, now: datetime, options: SheetOptions
    ) -> BatchResult:
        """Plan, write and record one sheet; a failure to plan or write skips the file."""
        from desktop_app.audit.issue import export_and_record
        from desktop_app.logic.engine import evaluate
        from desktop_app.storage.plan_files import read_plan_file

        try:
            inputs = read_plan_file(item.source)
            plan = evaluate(protocol, inputs, now=now)
            issued = export_and_record(
                plan,
                inputs,
                protocol,
                protocol.data,
                item.output,
                options,
                register=self.register_path,
                batch_id=self.batch_id,
            )
        except B12KError as exc:
            return BatchResult(item.source, item.output, str(exc))
        except Exception as exc:  # a bug must not stop the rest of the batch
            return BatchResult(
                item.source,
                item.output,
                f"internal error ({type(exc).__name__}: {exc}); please report it with this file",
            )
        return BatchResult(
            item.source,
            item.output,
            record_id=issued.record.id if issued.record is not None else None,
            warning=issued.warning,
        )


__all__ = ["RecordingWork", "new_batch_id"]
