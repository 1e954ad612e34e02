"""Which package may import which: the layering the README's layout section draws.

    rooms_spec        the spec layer: imports none of the others
    mock_server       imports rooms_spec
    contract_tests    lint, diff and the suite: import rooms_spec, never mock_server

Checked on the source (every `import` and `from ... import` of every module), so a
shortcut through another package fails here before it becomes a habit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rooms_spec", "mock_server", "contract_tests")
ALLOWED = {
    "rooms_spec": set(),
    "mock_server": {"rooms_spec"},
    "contract_tests": {"rooms_spec"},
}
# Third-party packages no module of the spec layer may import (it must load without them).
HTTP_FRAMEWORKS = {"starlette", "connexion", "uvicorn", "httpx", "schemathesis", "hypothesis"}


def imported_packages(module: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    forbidden = set(PACKAGES) - {package} - ALLOWED[package]
    wrong = {
        str(module.relative_to(ROOT)): sorted(imported_packages(module) & forbidden)
        for module in sorted((ROOT / package).rglob("*.py"))
        if imported_packages(module) & forbidden
    }
    assert wrong == {}


def test_the_spec_layer_imports_no_http_framework() -> None:
    wrong = {
        str(module.relative_to(ROOT)): sorted(imported_packages(module) & HTTP_FRAMEWORKS)
        for module in sorted((ROOT / "rooms_spec").rglob("*.py"))
        if imported_packages(module) & HTTP_FRAMEWORKS
    }
    assert wrong == {}
