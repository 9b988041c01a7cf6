"""A separate process that appends records to a register (used by the concurrency test).

Usage: python -m tests.audit.writer_process REGISTER WRITER_NAME COUNT READY_DIR WRITERS
Waits until WRITERS processes are ready (a file each in READY_DIR), then appends COUNT records
(pausing a millisecond between them) and prints "<writer> <count> <seconds>". REGISTER is a file
or a PostgreSQL connection string (either backend).

       python -m tests.audit.writer_process hang REGISTER
Starts one record and stops inside its transaction (the chain lock held, the clock being read):
prints "in transaction" and waits to be killed.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from desktop_app.audit.backend import open_register
from desktop_app.audit.register import RecordDraft, sha256_hex

PROTOCOL = b'{"a tiny stand-in for a protocol file": true}\n'


def draft(writer: str, index: int) -> RecordDraft:
    return RecordDraft(
        kind="issue",
        os_user=writer,
        host="test",
        prescriber="Dr Test",
        patient_identifier=f"{writer}-{index % 7}",
        patient_name="Concurrency Test",
        plan_id=f"{writer}-{index}",
        plan_inputs_json="{}",
        overrides_json="[]",
        override_count=0,
        protocol_id="stand-in",
        protocol_version="1.0.0",
        protocol_sha256=sha256_hex(PROTOCOL),
        protocol_source="stand-in.json",
        evaluated_at="2026-11-26T12:00:00+00:00",
        plan_sha256="0" * 64,
        paper="a4",
        app_version="test",
        pdf_sha256="1" * 64,
        destination=f"/tmp/{writer}-{index}.pdf",
    )


def hang() -> datetime:
    """A clock that never returns: the writer stops in the middle of its transaction."""
    print("in transaction", flush=True)
    time.sleep(600)
    raise SystemExit(3)


def main() -> int:
    if sys.argv[1] == "hang":
        open_register(sys.argv[2], clock=hang).append(draft("hung", 0), PROTOCOL)
        return 1
    path, writer, count, ready_dir, writers = sys.argv[1:6]
    ready = Path(ready_dir)
    (ready / writer).touch()
    deadline = time.monotonic() + 60
    while len(list(ready.iterdir())) < int(writers) and time.monotonic() < deadline:
        time.sleep(0.005)
    start = time.perf_counter()
    register = open_register(path, timeout=60)
    for index in range(int(count)):
        register.append(draft(writer, index), PROTOCOL)
        time.sleep(0.001)  # like a real user between sheets: lets the other writer in
    print(writer, count, f"{time.perf_counter() - start:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
