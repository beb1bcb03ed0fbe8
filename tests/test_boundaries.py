"""The core imports nothing from the channels nor from the composition package.

`negotiation/` and `models/` hold the rules; `bot/`, `telephony/` and `admin/` call them, and
`quita/` (settings, app factory, CLI) puts everything together. The core receives what it
needs from the caller (the protocols of `negotiation.config`), so it never imports upwards:
not at the top, not inside a function, not under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ["negotiation", "models"]
OUTER = {"bot", "telephony", "admin", "quita"}


def outward_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of an outer package in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name) for name in names if name.split(".")[0] in OUTER]
    return found


def test_the_check_sees_every_kind_of_outward_import():
    sample = """
from typing import TYPE_CHECKING
import models.clock
from negotiation import errors
from . import sibling
import quita.settings
from bot.handlers import router

if TYPE_CHECKING:
    from telephony import sms

def late():
    import admin.api, json
"""
    assert outward_imports(sample) == [
        (6, "quita.settings"),
        (7, "bot.handlers"),
        (10, "telephony"),
        (13, "admin.api"),
    ]


def test_negotiation_and_models_import_nothing_from_channels_or_quita():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for package in CORE
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in outward_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
