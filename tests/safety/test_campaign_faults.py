"""Files under faults: killed mid-save, read-only folder, full disk, file replaced while open.

After every fault the file on disk must be the previous good file or the new one - complete,
byte for byte, never a mix - and the user must get a clear message. "Files lost" counts every
time the campaign finds a plan file (or an autosaved draft) that is neither.

- Kill: a child process saves plan files (or autosaved drafts) in a loop and is killed with
  SIGKILL at a random moment. A control run with a naive writer (truncate, then write in chunks)
  must lose files, which proves the check can see a loss.
- Read-only folder: a real permission failure (a child process without root's rights when the
  tests run as root, chmod otherwise).
- Full disk: a real ENOSPC on a 64 KiB tmpfs in a private mount namespace where the system allows
  it (skipped otherwise), a simulated ENOSPC from fsync always, and a real mid-write failure from
  RLIMIT_FSIZE (EFBIG) always.
- Replaced while open: readers racing an atomic writer always read a complete version.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.logic.errors import PlanFileError
from desktop_app.storage import atomic
from desktop_app.storage.autosave import DRAFT_FILE, Autosave
from desktop_app.storage.plan_files import parse_plan_bytes, read_plan_file, write_plan_file
from tests.logic.helpers import ROOT, base_case
from tests.safety.campaign import rng, scaled, tally

KILLS = tally("files under faults")
PY = sys.executable

# A plan file of about 40 KB (many follow-ups) so that a kill often lands inside a write.
FU_START = datetime(2026, 11, 27, tzinfo=UTC)
_BIG_CASE = base_case(
    followups=[
        {
            "analyte": "potassium",
            "value": 3.0 + (i % 20) / 10,
            "unit": "mmol/L",
            "sampled_at": (FU_START + timedelta(minutes=30 * i)).isoformat(),
        }
        for i in range(120)
    ]
)


def _version(n: int) -> bytes:
    """The exact bytes `write_plan_file` writes for version n (plan_id GEN-n)."""
    from desktop_app.logic.models import PlanInputs
    from desktop_app.storage.plan_files import plan_bytes

    return plan_bytes(PlanInputs.model_validate({**_BIG_CASE, "plan_id": f"GEN-{n}"}))


_CHILD_SAVER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from desktop_app.logic.models import PlanInputs
    from desktop_app.storage.plan_files import write_plan_file
    target = Path(sys.argv[1]); mode = sys.argv[2]; case = json.loads(Path(sys.argv[3]).read_text())
    n = int(sys.argv[4])
    def naive(path, data):
        with open(path, "wb") as fh:
            for i in range(0, len(data), 2048):
                fh.write(data[i:i + 2048]); fh.flush(); time.sleep(0.0005)
    while True:
        n += 1
        inputs = PlanInputs.model_validate({**case, "plan_id": f"GEN-{n}"})
        if mode == "atomic":
            write_plan_file(target, inputs)
        else:
            from desktop_app.storage.plan_files import plan_bytes
            naive(target, plan_bytes(inputs))
        if n == int(sys.argv[4]) + 1:
            print("ready", flush=True)
    """
)

_CHILD_AUTOSAVE = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timezone
    from pathlib import Path
    from desktop_app.storage.autosave import Autosave
    box = Autosave(Path(sys.argv[1])); n = int(sys.argv[2])
    while True:
        n += 1
        fields = {"patient.name": "Draft " + str(n), "labs.potassium.value": str(n % 50 / 10),
                  "notes": "x" * 20000, "n": n}
        box.save(fields, None, datetime(2026, 11, 26, 12, tzinfo=timezone.utc))
        if n == int(sys.argv[2]) + 1:
            print("ready", flush=True)
    """
)


def _kill_after_ready(args: list[str], delay: float) -> None:
    proc = subprocess.Popen(
        [PY, "-c", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != b"ready":
            raise AssertionError(
                f"saver did not start: {line!r} {proc.stderr.read() if proc.stderr else b''!r}"
            )
        time.sleep(delay)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()


def _kill_campaign(folder: Path, mode: str, kills: int, salt: str) -> tuple[int, int, list[str]]:
    """Run `kills` kill cycles; return (cases, files lost, stray temp files seen)."""
    r = rng(salt)
    target = folder / "plan.json"
    case_file = folder.parent / f"{salt}-case.json"
    case_file.write_text(json.dumps(_BIG_CASE))
    n = 0
    target.write_bytes(_version(n))
    lost = 0
    strays: list[str] = []
    for _ in range(kills):
        start = n
        _kill_after_ready(
            ["\n".join([_CHILD_SAVER]), str(target), mode, str(case_file), str(start)],
            r.uniform(0, 0.05),
        )
        data = target.read_bytes()
        try:
            plan_id = parse_plan_bytes(data).plan_id
            written = int(plan_id.removeprefix("GEN-"))
            intact = data == _version(written) and written > start
        except Exception:
            intact = False
            written = start
        if not intact:
            lost += 1
        n = max(written, start) + 1000  # the next run's versions never collide with this one's
        target.write_bytes(_version(n))
        for extra in folder.iterdir():
            if extra.name != target.name:
                strays.append(extra.name)
                extra.unlink()
    return kills, lost, strays


def test_killed_while_saving_plan_files_never_loses_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    folder.mkdir()
    cases, lost, strays = _kill_campaign(
        folder, "atomic", scaled(ci=15, release=200), "kill-atomic"
    )
    KILLS.tried(cases)
    KILLS.count("SIGKILL while saving plan files", cases)
    KILLS.count("stray temporary files left by a kill (hidden, *.tmp)", len(strays))
    for _ in range(lost):
        KILLS.lost("plan file neither the previous nor the new version after SIGKILL")
    for name in strays:
        # A temporary file left by the kill is hidden and never looks like a plan file: the open
        # dialog and `b12k batch` list *.json only.
        hidden_tmp = name.startswith(".plan.json.") and name.endswith(".tmp")
        if not hidden_tmp or fnmatch.fnmatch(name, "*.json"):
            KILLS.fail(f"stray file {name!r} could be mistaken for a plan")
    KILLS.check()


def test_the_kill_check_detects_a_naive_writer(tmp_path: Path) -> None:
    """Control: truncate-then-write loses files under the same kills, so the check can fail."""
    folder = tmp_path / "naive"
    folder.mkdir()
    _, lost, _ = _kill_campaign(folder, "naive", 6, "kill-naive")
    assert lost >= 1


def test_killed_while_autosaving_the_draft_is_always_recoverable(tmp_path: Path) -> None:
    r = rng("kill-autosave")
    folder = tmp_path / "data"
    folder.mkdir()
    box = Autosave(folder)
    n = 0
    for _ in range(scaled(ci=10, release=150)):
        _kill_after_ready([_CHILD_AUTOSAVE, str(folder), str(n)], r.uniform(0, 0.05))
        KILLS.tried()
        KILLS.count("SIGKILL while autosaving")
        draft = box.load()
        if draft is None:
            KILLS.lost("autosaved draft unreadable after SIGKILL")
            continue
        got = draft.fields.get("n")
        if (
            not isinstance(got, int)
            or draft.fields.get("patient.name") != f"Draft {got}"
            or got <= n
        ):
            KILLS.lost(f"autosaved draft mixed after SIGKILL: {str(draft.fields)[:120]}")
        n = (got if isinstance(got, int) else n) + 1000
        for extra in folder.iterdir():
            if extra.name != DRAFT_FILE:
                extra.unlink()
    KILLS.check()


# ----- read-only folder ----------------------------------------------------------------------

_CHILD_READ_ONLY = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from desktop_app.logic.errors import PlanFileError
    from desktop_app.logic.models import PlanInputs
    from desktop_app.storage.plan_files import plan_bytes, write_plan_file
    target = Path(sys.argv[1])
    inputs = PlanInputs.model_validate(json.loads(sys.argv[2]))
    plan_bytes(inputs)
    if os.geteuid() == 0:  # root ignores permissions: act as an ordinary user
        os.setgid(65534); os.setuid(65534)
    try:
        write_plan_file(target, inputs)
    except PlanFileError as exc:
        print(json.dumps({"refused": str(exc)}))
    else:
        print(json.dumps({"written": True}))
    """
)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder other users can reach (for the child that drops root's rights)."""
    folder = Path(tempfile.mkdtemp(prefix="b12k-faults-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in (folder, *folder.rglob("*")):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(folder)


def test_read_only_folder_keeps_the_previous_file_and_says_why(shared_tmp: Path) -> None:
    folder = shared_tmp / "ro"
    folder.mkdir()
    target = folder / "plan.json"
    old = _version(1)
    target.write_bytes(old)
    target.chmod(0o644)
    folder.chmod(0o555)
    KILLS.tried()
    KILLS.count("read-only folder")
    out = subprocess.run(
        [PY, "-c", _CHILD_READ_ONLY, str(target), json.dumps({**_BIG_CASE, "plan_id": "NEW"})],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        pytest.fail(f"child failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout)
    if "written" in result and os.geteuid() != 0:
        pytest.skip("this file system ignores folder permissions")
    if target.read_bytes() != old:
        KILLS.lost("read-only folder: previous file changed")
    message = result.get("refused", "")
    if "read-only" not in message or "Choose another folder" not in message:
        KILLS.fail(f"read-only folder: unclear message {message!r}")
    if sorted(p.name for p in folder.iterdir()) != ["plan.json"]:
        KILLS.fail("read-only folder: something else appeared in the folder")
    KILLS.check()


# ----- full disk -----------------------------------------------------------------------------

_CHILD_TINY_DISK = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from desktop_app.logic.errors import PlanFileError
    from desktop_app.logic.models import PlanInputs
    from desktop_app.storage.plan_files import write_plan_file
    folder = Path(sys.argv[1]); case = json.loads(sys.argv[2])
    target = folder / "plan.json"
    small = PlanInputs.model_validate({**case, "followups": [], "plan_id": "OLD"})
    write_plan_file(target, small)
    old = target.read_bytes()
    with open(folder / "filler", "wb", buffering=0) as fh:   # fill the disk to the last block
        try:
            while True:
                fh.write(b"\\0" * 4096); fh.flush()
        except OSError:
            pass
    result = {}
    try:
        write_plan_file(target, PlanInputs.model_validate({**case, "plan_id": "NEW"}))
        result["written"] = True
    except PlanFileError as exc:
        result["refused"] = str(exc)
    result["old_intact"] = target.read_bytes() == old
    result["others"] = sorted(
        p.name for p in folder.iterdir() if p.name not in ("plan.json", "filler")
    )
    print(json.dumps(result))
    """
)


def test_full_disk_for_real_on_a_tiny_tmpfs(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare for a private tmpfs (simulated ENOSPC runs instead)")
    folder = tmp_path / "tiny"
    folder.mkdir()
    script = f'mount -t tmpfs -o size=64k tmpfs {folder} && exec {PY} -c "$0" "$@"'
    out = subprocess.run(
        [
            unshare,
            "--mount",
            "sh",
            "-c",
            script,
            _CHILD_TINY_DISK,
            str(folder),
            json.dumps(_BIG_CASE),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0 and "mount" in out.stderr:
        pytest.skip(f"cannot mount a private tmpfs here: {out.stderr.strip()[:200]}")
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    KILLS.tried()
    KILLS.count("full disk (real ENOSPC, tmpfs)")
    if not result["old_intact"]:
        KILLS.lost("full disk: previous file damaged")
    if "disk holding" not in result.get("refused", "") or "is full" not in result.get(
        "refused", ""
    ):
        KILLS.fail(f"full disk: unclear message {result}")
    if result["others"]:
        KILLS.fail(f"full disk: temporary file left behind {result['others']}")
    KILLS.check()


def test_full_disk_simulated_at_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "plan.json"
    old = _version(1)
    target.write_bytes(old)

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", no_space)
    KILLS.tried()
    KILLS.count("full disk (simulated ENOSPC at fsync)")
    with pytest.raises(PlanFileError) as info:
        write_plan_file(target, parse_plan_bytes(_version(2)))
    assert "is full" in str(info.value) and "Free space or choose another folder" in str(info.value)
    if target.read_bytes() != old:
        KILLS.lost("simulated full disk: previous file changed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


_CHILD_FSIZE = textwrap.dedent(
    """
    import json, resource, signal, sys
    from pathlib import Path
    from desktop_app.logic.errors import PlanFileError
    from desktop_app.logic.models import PlanInputs
    from desktop_app.storage.plan_files import write_plan_file
    target = Path(sys.argv[1]); old = target.read_bytes()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(old) + 100, len(old) + 100))
    result = {}
    try:
        new = PlanInputs.model_validate({**json.loads(sys.argv[2]), "plan_id": "NEW"})
        write_plan_file(target, new)
        result["written"] = True
    except PlanFileError as exc:
        result["refused"] = str(exc)
    result["old_intact"] = target.read_bytes() == old
    result["others"] = sorted(p.name for p in target.parent.iterdir() if p.name != target.name)
    print(json.dumps(result))
    """
)


def test_write_failing_midway_keeps_the_previous_file(tmp_path: Path) -> None:
    """A real kernel failure part-way through the write (file size limit, EFBIG)."""
    target = tmp_path / "plan.json"
    small = dict(_BIG_CASE, followups=[])
    from desktop_app.logic.models import PlanInputs
    from desktop_app.storage.plan_files import plan_bytes

    target.write_bytes(plan_bytes(PlanInputs.model_validate({**small, "plan_id": "OLD"})))
    out = subprocess.run(
        [PY, "-c", _CHILD_FSIZE, str(target), json.dumps(_BIG_CASE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    KILLS.tried()
    KILLS.count("write fails midway (EFBIG)")
    if not result["old_intact"]:
        KILLS.lost("midway failure: previous file damaged")
    if "Cannot write plan.json" not in result.get("refused", ""):
        KILLS.fail(f"midway failure: unclear message {result}")
    if result["others"]:
        KILLS.fail(f"midway failure: temporary file left behind {result['others']}")
    KILLS.check()


def test_missing_folder_and_folder_in_place_of_the_file(tmp_path: Path) -> None:
    inputs = parse_plan_bytes(_version(3))
    KILLS.tried(2)
    with pytest.raises(PlanFileError, match=r"does not exist\. Choose another folder"):
        write_plan_file(tmp_path / "gone" / "plan.json", inputs)
    (tmp_path / "plan.json").mkdir()
    with pytest.raises(PlanFileError, match=r"Cannot write plan\.json"):
        write_plan_file(tmp_path / "plan.json", inputs)
    with pytest.raises(PlanFileError, match="is a folder, not a plan file"):
        read_plan_file(tmp_path / "plan.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


# ----- replaced while open -------------------------------------------------------------------


_CHILD_ALTERNATE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from desktop_app.storage.atomic import atomic_write_bytes
    target = Path(sys.argv[1]); mode = sys.argv[2]
    versions = [Path(sys.argv[3]).read_bytes(), Path(sys.argv[4]).read_bytes()]
    i = 0
    while True:
        i += 1
        data = versions[i % 2]
        if mode == "atomic":
            atomic_write_bytes(target, data)
        else:
            with open(target, "wb") as fh:  # a slow disk: chunks with pauses
                for k in range(0, len(data), 4096):
                    fh.write(data[k:k + 4096]); fh.flush(); time.sleep(0.0002)
        if i == 1:
            print("ready", flush=True)
    """
)


def _race(tmp_path: Path, writer: str, reads: int) -> tuple[int, int]:
    """Read while another process keeps replacing the file; return (reads, partial reads)."""
    target = tmp_path / f"race-{writer}.json"
    versions = [_version(10), _version(11)]
    for i, data in enumerate(versions):
        (tmp_path / f"v{i}-{writer}").write_bytes(data)
    target.write_bytes(versions[0])
    proc = subprocess.Popen(
        [
            PY,
            "-c",
            _CHILD_ALTERNATE,
            str(target),
            writer,
            str(tmp_path / f"v0-{writer}"),
            str(tmp_path / f"v1-{writer}"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    partial = 0
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        # At least `reads` reads spread over at least half a second, so that the writer (on a
        # busy machine) gets scheduled many times while the reader is reading.
        done = 0
        until = time.monotonic() + 0.5
        while done < reads or time.monotonic() < until:
            done += 1
            if target.read_bytes() not in versions:
                partial += 1
            if done % 50 == 0:
                time.sleep(0.001)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
    return done, partial


def test_file_replaced_while_being_read_is_never_seen_half_written(tmp_path: Path) -> None:
    reads, partial = _race(tmp_path, "atomic", scaled(ci=400, release=5000))
    KILLS.tried(reads)
    KILLS.count("reads racing an atomic save", reads)
    for _ in range(partial):
        KILLS.lost("a reader saw a half-written plan file")
    KILLS.check()


def test_the_race_check_detects_a_naive_writer(tmp_path: Path) -> None:
    _, partial = _race(tmp_path, "naive", 400)
    assert partial >= 1


def test_open_file_replaced_on_disk_keeps_what_was_opened(tmp_path: Path) -> None:
    """A plan opened, then replaced on disk by another program: what was read stays complete."""
    target = tmp_path / "plan.json"
    target.write_bytes(_version(20))
    with target.open("rb") as held:  # the file is open (as an editor or a viewer would hold it)
        atomic.atomic_write_bytes(target, _version(21))
        assert parse_plan_bytes(held.read()).plan_id == "GEN-20"
    assert read_plan_file(target).plan_id == "GEN-21"
    KILLS.tried()
