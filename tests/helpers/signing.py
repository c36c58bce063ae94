"""Real ssh-keygen key pairs for signed-approval tests."""

from __future__ import annotations

import subprocess


def keypair(folder, name: str) -> tuple[str, str]:
    """A fresh ed25519 key in `folder`: (private key path, public key line)."""
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return str(key), (folder / f"{name}.pub").read_text().strip()
