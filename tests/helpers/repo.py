"""`RepoBuilder`: real git repositories in temp folders with controlled authors and dates.

Every test that needs history builds it here, so commits are made the same way
everywhere (real `git commit`, no mocks) and dates are deterministic.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

DEFAULT_POLICY = """\
[layout]
models = ["models/*.toml", "models/*.yaml", "models/*.yml", "models/*.json"]
defaults = "models/_defaults.toml"
prompts = ["prompts/**/*.md", "prompts/**/*.txt"]
records = "audit"

[evals]
required_suites = ["coding"]
max_regression = 1.0

[approvals]
required = 1
"""


def audit(repo: RepoBuilder, base: str | None = None, **kw):
    """Judge `repo` from `base` (None: the whole history), never using an upstream."""
    from auditui.core.audit.run import run_audit

    return run_audit(repo.path, base=base, default_base=False, **kw)


def forget_changes(repo: RepoBuilder) -> None:
    """Drop the per-commit store of deltas (core/changecache), so the next run walks the
    Worlds again: what a test comparing two ways of computing must do between them."""
    for file in (repo.path / ".git" / "auditui").glob("changes-*"):
        file.unlink()


def triples(change) -> list[tuple]:
    """(model, path, old, new, kind) of every delta, in report order."""
    return [(d.model, d.path, d.old, d.new, d.kind) for d in change.deltas]


def clear(repo: RepoBuilder, change, *approvers: str) -> None:
    """Write the evidence that clears `change` under the default policy: an eval with
    no regression for each model it moves, and an approval by each of `approvers`
    (names from AUTHORS, or emails). Not committed."""
    from auditui.core.evidence.records import append_entries

    emails = [AUTHORS[a][1] if a in AUTHORS else a for a in approvers]
    append_entries(
        repo.path,
        change.record_file,
        change.fingerprint,
        evals=[
            {"model": m, "suite": "coding", "baseline": 50.0, "candidate": 50.0}
            for m in change.models
        ],
        approvals=[{"by": e, "verdict": "approve", "at": "2026-03-02T00:00:00Z"} for e in emails],
    )


def approved_change(path: Path) -> RepoBuilder:
    """A repository whose HEAD is alice's change, with bob as its git user (the
    reviewer who may approve it)."""
    r = RepoBuilder(path)
    r.git("config", "user.email", "bob@example.com")
    r.start({"models/a.toml": "t = 1\n"})
    r.commit("raise", {"models/a.toml": "t = 2\n"})
    return r


def bare_remote(repo: RepoBuilder, where: Path, name: str = "origin") -> Path:
    """A real bare repository as `name`, with main pushed to it (hook not run)."""
    remote = where / f"{name}.git"
    git(where, "init", "-q", "--bare", "-b", "main", str(remote))
    repo.git("remote", "add", name, str(remote))
    repo.git("push", "-q", "--no-verify", "-u", name, "main")
    return remote


def install_hook(repo: RepoBuilder) -> None:
    """`auditui install-hook` as a user runs it (a subprocess with this interpreter)."""
    import sys

    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        [sys.executable, "-m", "auditui", "install-hook", "--repo", str(repo.path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr


def server(repo: RepoBuilder, where: Path, name: str = "origin") -> Path:
    """A real bare repository as `name` with main pushed to it, then `auditui hook
    pre-receive` installed there as an admin would (`install-hook --pre-receive`)."""
    import sys

    remote = bare_remote(repo, where, name)
    result = subprocess.run(
        [sys.executable, "-m", "auditui", "install-hook", "--pre-receive", "--repo", str(remote)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (remote / "hooks" / "pre-receive").exists()
    return remote


def ref_sha(repo: Path, ref: str) -> str | None:
    """The object `ref` names in the repository at `repo` (bare or not), None if absent."""
    return git(repo, "rev-parse", "--verify", "--quiet", ref, check=False) or None


def push(
    repo: RepoBuilder, *args: str, timeout: float | None = None
) -> subprocess.CompletedProcess:
    """A real `git push` (hooks run), output captured; `timeout` guards a hook that hangs."""
    return subprocess.run(
        ["git", "push", *args], cwd=repo.path, capture_output=True, text=True, timeout=timeout
    )


AUTHORS = {
    "alice": ("Alice", "alice@example.com"),
    "bob": ("Bob", "bob@example.com"),
    "carol": ("Carol", "carol@example.com"),
}


def git(cwd: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})},
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout.strip()


class RepoBuilder:
    """A git repository under construction. `commit()` writes files and commits them."""

    def __init__(self, path: Path, policy: str | None = DEFAULT_POLICY) -> None:
        self.path = path
        self.path.mkdir(parents=True, exist_ok=True)
        self._clock = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
        git(path, "init", "-q", "-b", "main")
        git(path, "config", "user.email", "alice@example.com")
        git(path, "config", "user.name", "Alice")
        git(path, "config", "commit.gpgsign", "false")
        self.initial_policy = policy

    def git(self, *args: str, **kw) -> str:
        return git(self.path, *args, **kw)

    def write(self, files: dict[str, str | bytes | None]) -> None:
        """Write (str/bytes) or delete (None) files in the working tree."""
        for rel, content in files.items():
            target = self.path / rel
            if content is None:
                if target.is_symlink() or target.exists():
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")

    def symlink(self, rel: str, target: str) -> None:
        link = self.path / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(target, link)

    def commit(
        self,
        message: str,
        files: dict[str, str | bytes | None] | None = None,
        author: str = "alice",
        date: dt.datetime | None = None,
    ) -> str:
        """Commit `files` (plus anything already written) and return the new sha."""
        self.write(files or {})
        self._clock = date or (self._clock + dt.timedelta(hours=1))
        name, email = AUTHORS.get(author, (author, f"{author}@example.com"))
        stamp = self._clock.isoformat()
        env = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": stamp,
        }
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def start(self, models: dict[str, str] | None = None, **extra: str) -> str:
        """The usual first commit: policy plus some models (adoption commit, exempt)."""
        files: dict[str, str | bytes | None] = dict(models or {})
        files.update(extra)
        if self.initial_policy is not None:
            files[".auditui.toml"] = self.initial_policy
        return self.commit("adopt auditui", files)
