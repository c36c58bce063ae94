"""Signed approvals (docs/records.md): `ssh-keygen -Y sign/verify` over a canonical payload.

The payload names the fingerprint, so a signature binds an approval to the exact
content approved; the allowed-signers file is read at the base of the range, so a
push cannot bring the key that verifies its own approval.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from auditui.core.base.errors import AuditError

NAMESPACE = "auditui-approval"


def payload(
    fingerprint: str, verdict: str, by: str, at: dt.datetime, reason: str | None = None
) -> bytes:
    """What is signed. An override's reason is signed with it (one JSON string, so a
    reason of many lines is one line here): no one can put other words in its place."""
    stamp = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    why = f"reason={json.dumps(reason)}\n" if reason is not None else ""
    return (
        f"auditui-approval-v1\nfingerprint={fingerprint}\nverdict={verdict}\nby={by}\nat={stamp}\n"
        f"{why}"
    ).encode()


def _ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    if path is None:
        raise AuditError(
            "ssh-keygen is not installed, so signed approvals cannot be checked",
            "hint: install OpenSSH (ssh-keygen), which require_signatures needs",
        )
    return path


def verify(signature: str, data: bytes, by: str, allowed_signers: str) -> str | None:
    """None if `signature` is `by`'s valid signature of `data`, else why not."""
    with tempfile.TemporaryDirectory(prefix="auditui-verify-") as tmp:
        signers = Path(tmp) / "allowed_signers"
        signers.write_text(allowed_signers)
        sig = Path(tmp) / "approval.sig"
        sig.write_text(signature.rstrip("\n") + "\n")
        result = subprocess.run(
            [
                _ssh_keygen(),
                "-Y",
                "verify",
                "-f",
                str(signers),
                "-I",
                by,
                "-n",
                NAMESPACE,
                "-s",
                str(sig),
            ],
            input=data,
            capture_output=True,
        )
    if result.returncode == 0:
        return None
    lines = (result.stderr or result.stdout).decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "signature does not verify"


def sign(keyfile: str | Path, data: bytes) -> str:
    key = Path(keyfile)
    if not key.is_file():
        raise AuditError(f"{key}: no such key file", "hint: pass --sign the private key path")
    result = subprocess.run(
        [_ssh_keygen(), "-Y", "sign", "-f", str(key), "-n", NAMESPACE],
        input=data,
        capture_output=True,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise AuditError(f"{key}: signing failed: {message[-1] if message else 'ssh-keygen error'}")
    return result.stdout.decode()
