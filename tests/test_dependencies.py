"""Every import the service makes at run time comes from a runtime dependency.

`pip install -e .` (the README's run command) installs `[project] dependencies` only; a module
that only the test extra brings (httpx was one) crashes `quita serve` on a clean machine.
CI also starts the service from such an install; this test names the culprit at once.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ["admin", "bench", "bot", "models", "negotiation", "quita", "telephony"]
OWN = {"admin", "bench", "bot", "models", "negotiation", "quita", "telephony", "tests"}


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _imported_modules(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _third_party_imports() -> dict[str, str]:
    """Top-level module → the first production file that imports it."""
    where: dict[str, str] = {}
    for package in PRODUCTION:
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in _imported_modules(path.read_text(encoding="utf-8")):
                if module not in sys.stdlib_module_names and module not in OWN:
                    where.setdefault(module, str(path.relative_to(ROOT)))
    return where


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_canonical(Requirement(r).name) for r in project["dependencies"]}


def test_every_run_time_import_is_a_declared_runtime_dependency():
    # Declared, not merely pulled in by another package: a dependency that drops its own
    # requirement (aiogram and aiohttp, typer and rich) must not break the service.
    declared = _declared()
    providers = packages_distributions()
    missing = {
        module: (file, providers.get(module))
        for module, file in _third_party_imports().items()
        if not any(_canonical(dist) in declared for dist in providers.get(module, []))
    }
    assert missing == {}, f"imported at run time but not declared in dependencies: {missing}"


def test_the_check_sees_a_test_only_import():
    # pytest comes with the test extra only: a production module importing it must be caught.
    assert "pytest" in _imported_modules("import pytest\nfrom pytest import raises\n")
    providers = packages_distributions()
    assert not any(_canonical(d) in _declared() for d in providers["pytest"])
