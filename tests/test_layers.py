"""The engine's packages stay in layers along the data flow (docs/design.md): a module
imports only from its own package or a lower layer's, never sideways or up, whether
the import sits at the top of the module or inside a function. Beside
test_headless.py, which keeps Textual out of the core."""

from __future__ import annotations

import ast
from pathlib import Path

import auditui.core

# Bottom first; packages on one line never import each other.
LAYERS = [
    ("base",),
    ("git", "policy"),
    ("evidence", "configs"),
    ("history", "diff"),
    ("audit",),
    ("formats", "features"),
]
LEVEL = {pkg: n for n, line in enumerate(LAYERS) for pkg in line}
CORE = Path(auditui.core.__file__).parent


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, package) of every `auditui.core.<package>` a module imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["auditui", "core"] and len(parts) > 2:
                found.append((node.lineno, parts[2]))
    return found


def test_every_package_is_in_a_layer():
    packages = {p.name for p in CORE.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(LEVEL)


def test_each_package_imports_only_its_own_or_a_lower_layer():
    wrong = []
    for path in sorted(CORE.rglob("*.py")):
        parts = path.relative_to(CORE).parts
        if len(parts) < 2:
            continue
        mine = parts[0]
        for line, theirs in imports(path):
            if theirs != mine and (theirs not in LEVEL or LEVEL[theirs] >= LEVEL[mine]):
                wrong.append(f"{path.relative_to(CORE)}:{line} imports {theirs}")
    assert wrong == []


def test_each_package_says_its_one_job():
    for pkg in LEVEL:
        doc = ast.get_docstring(ast.parse((CORE / pkg / "__init__.py").read_text()))
        assert doc and len(doc.split("\n\n")[0].splitlines()) <= 3, pkg
