"""The admin package's layering: console pages and API routes are siblings over the services;
neither imports the other, so a page cannot reach around a service's checks."""

from __future__ import annotations

import ast
from pathlib import Path

ADMIN = Path(__file__).resolve().parents[2] / "admin"


def _imported(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def _reaching(package: str, forbidden: str) -> list[str]:
    return [
        f"{path.name}: {name}"
        for path in sorted((ADMIN / package).glob("*.py"))
        for name in sorted(_imported(path.read_text(encoding="utf-8")))
        if name == forbidden or name.startswith(f"{forbidden}.")
    ]


def test_the_scan_sees_both_import_forms():
    assert _imported("from admin import api\nimport admin.api.rules\n") >= {
        "admin.api",
        "admin.api.rules",
    }


def test_no_console_page_imports_the_api():
    assert _reaching("console", "admin.api") == []


def test_no_api_route_imports_the_console():
    assert _reaching("api", "admin.console") == []
