"""`b12k protocol keygen|approve|verify|trust` (issue 14): the round trip and each bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.report.lint import extract_pages

ROOT = Path(__file__).resolve().parents[1]
UK = ROOT / "resources" / "protocols" / "uk-default.json"
DEMO = ROOT / "resources" / "examples" / "demo-patient.json"
NOW = "2026-11-26T12:00+00:00"
PASS = "a long test passphrase"
WHO = ("--by", "Dr Site Pharm", "--role", "Chair, DTC", "--date", "2026-11-01")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Path]:
    """A key pair made by keygen (passphrase from a file) and a copy of the shipped protocol."""
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASS + "\n")
    key = tmp_path / "dtc.key"
    status, out, _ = run(capsys, "protocol", "keygen", str(key), "--passphrase-file", str(secret))
    assert status == 0 and "Key fingerprint (SHA-256 of the public key): " in out
    protocol = tmp_path / "site.json"
    protocol.write_bytes(UK.read_bytes())
    return {"key": key, "pub": Path(f"{key}.pub"), "secret": secret, "protocol": protocol}


def _approve(capsys: pytest.CaptureFixture[str], s: dict[str, Path], *extra: str) -> int:
    status, _, _ = run(
        capsys,
        "protocol",
        "approve",
        str(s["protocol"]),
        *WHO,
        "--key",
        str(s["key"]),
        "--passphrase-file",
        str(s["secret"]),
        *extra,
    )
    return status


def test_round_trip_keygen_approve_trust_verify_plan_pdf_then_one_byte_voids_it(
    site: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _approve(capsys, site) == 0
    approval = json.loads(site["protocol"].read_text("utf-8"))["approval"]
    assert approval["status"] == "approved" and len(approval["content_sha256"]) == 64

    status, out, _ = run(capsys, "protocol", "verify", str(site["protocol"]))
    assert status == 1 and "which this workstation does not trust" in out  # not trusted yet

    status, out, _ = run(capsys, "protocol", "trust", str(site["pub"]))
    assert status == 0 and approval["key_fingerprint"] in out
    status, out, _ = run(capsys, "protocol", "verify", str(site["protocol"]))
    assert status == 0
    assert "APPROVED: approved by Dr Site Pharm (Chair, DTC) on 01-Nov-2026" in out
    assert f"content SHA-256: {approval['content_sha256']}" in out

    plan_args = ("plan", str(DEMO), "--protocol", str(site["protocol"]), "--now", NOW)
    status, out, _ = run(capsys, *plan_args)
    assert status == 0 and "NOT FOR CLINICAL USE" not in out
    assert f"key fingerprint {approval['key_fingerprint']}" in out

    sheet = tmp_path / "sheet.pdf"
    pdf_args = (*plan_args[1:], "-o", str(sheet), "--no-record")
    assert run(capsys, "pdf", *pdf_args)[0] == 0
    text = " ".join(" ".join(extract_pages(sheet.read_bytes())).split())
    assert "NOT FOR CLINICAL USE" not in text
    assert "approved by Dr Site Pharm (Chair, DTC) on 01-Nov-2026" in text
    assert f"key fingerprint {approval['key_fingerprint']}" in text
    assert f"content SHA-256 {approval['content_sha256']}" in text

    data = site["protocol"].read_bytes()
    site["protocol"].write_bytes(data.replace(b'"value": 5.0,', b'"value": 4.9,', 1))
    void = (
        "APPROVAL VOID: content changed after approval by Dr Site Pharm (Chair, DTC) on 01-Nov-2026"
    )
    status, out, _ = run(capsys, "protocol", "verify", str(site["protocol"]))
    assert status == 1 and f"NOT APPROVED - NOT FOR CLINICAL USE: {void}" in out
    status, out, _ = run(capsys, *plan_args)
    assert out.splitlines()[0] == f"*** NOT FOR CLINICAL USE: {void} ***"
    assert run(capsys, "pdf", *pdf_args)[0] == 0
    text = " ".join(" ".join(extract_pages(sheet.read_bytes())).split())
    assert f"NOT FOR CLINICAL USE - {void}" in text


def test_approve_and_record_the_sheet_in_the_audit_register(
    site: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The register re-reads the protocol with the same trust: the record matches the sheet."""
    assert _approve(capsys, site) == 0
    assert run(capsys, "protocol", "trust", str(site["pub"]))[0] == 0
    db = tmp_path / "audit.sqlite"
    status, _, err = run(
        capsys,
        "pdf",
        str(DEMO),
        "--protocol",
        str(site["protocol"]),
        "--now",
        NOW,
        "-o",
        str(tmp_path / "s.pdf"),
        "--audit-db",
        str(db),
    )
    assert status == 0, err
    assert "NOT recorded" not in err


def _unchanged_after(
    capsys: pytest.CaptureFixture[str], s: dict[str, Path], *args: str
) -> tuple[int, str]:
    before = s["protocol"].read_bytes()
    status, out, err = run(capsys, *args)
    assert s["protocol"].read_bytes() == before  # nothing half-written
    assert not list(s["protocol"].parent.glob(".*.tmp"))
    return status, out + err


def test_approve_with_a_missing_key_file_says_so(
    site: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status, text = _unchanged_after(
        capsys,
        site,
        *("protocol", "approve", str(site["protocol"]), *WHO, "--key", "nokey.pem"),
        *("--passphrase-file", str(site["secret"])),
    )
    assert status == 2 and text.strip() == "nokey.pem does not exist."


def test_approve_with_a_wrong_passphrase_says_so(
    site: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B12K_KEY_PASSPHRASE", "the wrong one")
    status, text = _unchanged_after(
        capsys, site, "protocol", "approve", str(site["protocol"]), *WHO, "--key", str(site["key"])
    )
    assert status == 2 and text.startswith(f"Wrong passphrase for {site['key']}")


def test_approve_with_a_public_key_says_so(
    site: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status, text = _unchanged_after(
        capsys,
        site,
        *("protocol", "approve", str(site["protocol"]), *WHO, "--key", str(site["pub"])),
        *("--passphrase-file", str(site["secret"])),
    )
    assert status == 2 and "is a public key" in text


def test_approving_a_damaged_protocol_file_says_so_and_writes_nothing(
    site: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    site["protocol"].write_bytes(UK.read_bytes()[:5000])
    status, text = _unchanged_after(
        capsys,
        site,
        *("protocol", "approve", str(site["protocol"]), *WHO, "--key", str(site["key"])),
        *("--passphrase-file", str(site["secret"])),
    )
    assert status == 2 and "the protocol file is damaged: it is not valid JSON" in text


def test_approve_needs_a_name_and_role(
    site: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status, text = _unchanged_after(
        capsys,
        site,
        *("protocol", "approve", str(site["protocol"]), "--by", " ", "--role", "DTC"),
        *("--key", str(site["key"]), "--passphrase-file", str(site["secret"])),
    )
    assert status == 2 and "Give the approver's name (--by) and role (--role)" in text


def test_approve_refuses_a_review_date_before_approval_and_a_name_too_long(
    site: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key = ("--key", str(site["key"]), "--passphrase-file", str(site["secret"]))
    status, text = _unchanged_after(
        capsys,
        site,
        *("protocol", "approve", str(site["protocol"]), *WHO, "--review-due", "2026-10-01"),
        *key,
    )
    assert status == 2 and "is not after the approval date 2026-11-01" in text
    status, text = _unchanged_after(
        capsys,
        site,
        *("protocol", "approve", str(site["protocol"]), "--by", "X" * 81, "--role", "DTC"),
        *key,
    )
    assert status == 2 and "at most 80 characters" in text
    status, text = _unchanged_after(
        capsys,
        site,
        "protocol",
        "approve",
        str(site["protocol"]),
        *WHO[:4],
        "--date",
        "1-Nov",
        *key,
    )
    assert status == 2 and "--date '1-Nov' is not a date like 2026-12-01." in text


def test_an_untrusted_re_approval_is_not_approved(
    site: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _approve(capsys, site) == 0
    assert run(capsys, "protocol", "trust", str(site["pub"]))[0] == 0
    other = tmp_path / "other.key"
    secret = ("--passphrase-file", str(site["secret"]))
    assert run(capsys, "protocol", "keygen", str(other), *secret)[0] == 0
    status, _, _ = run(
        capsys, "protocol", "approve", str(site["protocol"]), *WHO, "--key", str(other), *secret
    )
    assert status == 0
    status, out, _ = run(capsys, "protocol", "verify", str(site["protocol"]))
    assert status == 1 and "which this workstation does not trust" in out


def test_trusting_a_private_key_or_listing_keys(
    site: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "protocol", "trust", str(site["key"]))
    assert status == 2 and "holds a private key" in err
    status, out, _ = run(capsys, "protocol", "trust", "--list")
    assert status == 0 and "No key is trusted on this workstation" in out
    assert run(capsys, "protocol", "trust", str(site["pub"]))[0] == 0
    status, out, _ = run(capsys, "protocol", "trust", "--list")
    assert status == 0 and "trusted-keys" in out


def test_keygen_refuses_to_overwrite_and_two_different_passphrases(
    site: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before = site["key"].read_bytes()
    status, _, err = run(
        capsys, "protocol", "keygen", str(site["key"]), "--passphrase-file", str(site["secret"])
    )
    assert status == 2 and "already exists: a key is never overwritten" in err
    assert site["key"].read_bytes() == before


def test_without_a_terminal_or_passphrase_the_command_says_how_to_give_one(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "B12K_KEY_PASSPHRASE"}
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", "protocol", "keygen", str(tmp_path / "k")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "No passphrase: there is no terminal to ask on. Give --passphrase-file FILE or set "
        "B12K_KEY_PASSPHRASE."
    )
    assert list(tmp_path.iterdir()) == []
