"""The core stays headless and the hook path stays light: proven in fresh interpreters."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import auditui.core


def _fresh(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_every_core_module_imports_without_textual():
    modules = sorted(m.name for m in pkgutil.walk_packages(auditui.core.__path__, "auditui.core."))
    assert "auditui.core.audit.run" in modules and "auditui.core.formats.sarif_format" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "assert not bad, bad\n"
    )
    result = _fresh(code)
    assert result.returncode == 0, result.stderr


def test_hook_path_imports_neither_textual_nor_git_for_an_empty_push():
    code = (
        "import io, sys\n"
        "sys.stdin = io.StringIO('')\n"
        "from auditui.cli import main\n"
        "rc = main(['hook', 'pre-push', 'origin', 'url'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'yaml', 'git'})\n"
        "print(rc, heavy)\n"
    )
    result = _fresh(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 []"


def test_no_module_outside_tui_imports_textual():
    import pathlib

    root = pathlib.Path(auditui.core.__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tui" not in path.relative_to(root).parts
        and any(
            line.lstrip().startswith(("import textual", "from textual"))
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []
