"""Batch export: a folder of plan files to order sheets, on every core, one bad file never stops it.

Each sheet is evaluated, rendered, linted and written atomically by a worker process; a file
that cannot be planned, fails the lint or cannot be written is skipped with its reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path

from desktop_app.logic.errors import B12KError
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.report.options import SheetOptions


class BatchError(B12KError):
    """The batch cannot start (missing folder, no plan files, output is a file...)."""


@dataclass(frozen=True)
class BatchItem:
    """One plan file and the sheet it becomes."""

    source: Path
    output: Path


@dataclass(frozen=True)
class BatchResult:
    """What happened to one plan file: written, or skipped with the reason."""

    source: Path
    output: Path
    error: str | None = None
    #: The audit record of the sheet, when the batch records (see desktop_app.audit.batch).
    record_id: int | None = None
    #: Why a written sheet was not recorded, when recording failed.
    warning: str | None = None

    @property
    def written(self) -> bool:
        """True when the sheet was written."""
        return self.error is None


@dataclass(frozen=True)
class BatchPlan:
    """The files a batch will process, and those it will not."""

    items: tuple[BatchItem, ...]
    skipped: tuple[BatchResult, ...]
    ignored: int


def plan_batch(input_dir: Path, output_dir: Path) -> BatchPlan:
    """List the plan files (*.json) of a folder and the sheet each becomes.

    Raises:
        BatchError: the input folder is missing or holds no plan file; the output is a file.
    """
    input_dir = Path(input_dir)
    output_dir = Path(output_dir)
    if not input_dir.is_dir():
        raise BatchError(f"{input_dir} is not a folder. Give the folder that holds the plan files.")
    if output_dir.exists() and not output_dir.is_dir():
        raise BatchError(f"{output_dir} is a file. Give a folder for the sheets (-o FOLDER).")
    entries = sorted(p for p in input_dir.iterdir() if p.is_file())
    sources = [p for p in entries if p.suffix.lower() == ".json"]
    if not sources:
        raise BatchError(f"{input_dir} holds no plan file (*.json). Nothing to do.")
    items: list[BatchItem] = []
    skipped: list[BatchResult] = []
    taken: dict[str, Path] = {}
    for source in sources:
        output = output_dir / f"{source.stem}.pdf"
        key = output.name.lower()
        if key in taken:
            skipped.append(
                BatchResult(
                    source,
                    output,
                    f"its sheet would overwrite the one from {taken[key].name}; "
                    "rename one of the two files",
                )
            )
            continue
        taken[key] = source
        items.append(BatchItem(source, output))
    return BatchPlan(tuple(items), tuple(skipped), len(entries) - len(sources))


# ----- the worker --------------------------------------------------------------------------------

#: What a worker does with one plan file (`sheet_for_file`, or a picklable callable like it).
Work = Callable[[BatchItem, LoadedProtocol, datetime, SheetOptions], BatchResult]

_WORKER_PROTOCOL: LoadedProtocol | None = None
_WORKER_WORK: Work | None = None


def _init_worker(protocol: LoadedProtocol, work: Work) -> None:
    global _WORKER_PROTOCOL, _WORKER_WORK
    _WORKER_PROTOCOL = protocol
    _WORKER_WORK = work


def sheet_for_file(
    item: BatchItem, protocol: LoadedProtocol, now: datetime, options: SheetOptions
) -> BatchResult:
    """Plan, render, lint and write one sheet; any failure becomes a skipped result."""
    from desktop_app.logic.engine import evaluate
    from desktop_app.report import export_order_sheet
    from desktop_app.storage.plan_files import read_plan_file

    try:
        inputs = read_plan_file(item.source)
        plan = evaluate(protocol, inputs, now=now)
        export_order_sheet(plan, item.output, options)
    except B12KError as exc:
        return BatchResult(item.source, item.output, str(exc))
    except Exception as exc:  # a bug must not stop the rest of the batch
        return BatchResult(
            item.source,
            item.output,
            f"internal error ({type(exc).__name__}: {exc}); please report it with this file",
        )
    return BatchResult(item.source, item.output)


def _work(item: BatchItem, now: datetime, options: SheetOptions) -> BatchResult:
    assert _WORKER_PROTOCOL is not None and _WORKER_WORK is not None, "worker not initialised"
    return _WORKER_WORK(item, _WORKER_PROTOCOL, now, options)


# ----- the runner ------------------------------------------------------------------------------


def default_jobs() -> int:
    """Worker processes by default: every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def run_batch(
    items: Sequence[BatchItem],
    protocol: LoadedProtocol,
    now: datetime,
    options: SheetOptions,
    *,
    jobs: int,
    progress: Callable[[int, int, BatchResult], None] | None = None,
    work: Work = sheet_for_file,
) -> list[BatchResult]:
    """Export every item; return one result per item, in the order given.

    With jobs == 1 the work runs in this process; otherwise in `jobs` worker processes
    (spawned, so that no thread or lock of the caller is copied into them). `work` does one
    item (by default `sheet_for_file`; it must be picklable: a module-level function or object).
    """
    if items:
        items[0].output.parent.mkdir(parents=True, exist_ok=True)
    results: dict[BatchItem, BatchResult] = {}
    total = len(items)

    def record(item: BatchItem, result: BatchResult) -> None:
        results[item] = result
        if progress is not None:
            progress(len(results), total, result)

    if jobs <= 1 or total <= 1:
        for item in items:
            record(item, work(item, protocol, now, options))
        return [results[i] for i in items]

    with ProcessPoolExecutor(
        max_workers=min(jobs, total),
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=(protocol, work),
    ) as pool:
        futures: dict[Future[BatchResult], BatchItem] = {
            pool.submit(_work, item, now, options): item for item in items
        }
        try:
            for future in as_completed(futures):
                item = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    result = BatchResult(
                        item.source,
                        item.output,
                        "a worker process stopped unexpectedly; run again with --jobs 1",
                    )
                record(item, result)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return [results[i] for i in items]


__all__ = [
    "BatchError",
    "BatchItem",
    "BatchPlan",
    "BatchResult",
    "Work",
    "default_jobs",
    "plan_batch",
    "run_batch",
    "sheet_for_file",
]
