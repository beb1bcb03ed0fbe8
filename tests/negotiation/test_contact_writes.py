"""Only the contact gate writes contact attempts, refusals and opt-outs (DESIGN.md §7): a lint
over the source of the channels, the console/API and the services."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("negotiation", "telephony", "bot", "admin", "quita")
# The gate itself (and any module it is split into).
GATE = {"negotiation/contact_policy.py"}
# Customer columns that are opt-outs: only the gate sets them.
OPT_OUT_COLUMNS = {"opted_out_at", "no_calls", "no_sms", "no_email", "no_telegram"}
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "delete"}
# The gate's own records: contacts, and the refusals it keeps (why a contact was not made).
GATE_MODELS = {"ContactAttempt", "ContactRefusal"}


def _chain_names(node: ast.AST) -> set[str]:
    """Every plain name at the root of an attribute/call chain: `A.filter(x).update()` → {A}."""
    names = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        else:
            break
    if isinstance(node, ast.Name):
        names.add(node.id)
    return names


def offences(source: str) -> list[str]:
    """Where `source` writes a ContactAttempt or an opt-out column: 'line: what'."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in GATE_MODELS:
                found.append((node.lineno, f"{func.id}(...)"))
            if isinstance(func, ast.Attribute) and func.attr in WRITES:
                for model in sorted(GATE_MODELS & _chain_names(func.value)):
                    found.append((node.lineno, f"{model}...{func.attr}()"))
                columns = {k.arg for k in node.keywords} & OPT_OUT_COLUMNS
                if columns and func.attr != "delete":
                    found.append((node.lineno, f"{func.attr}({', '.join(sorted(columns))}=...)"))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in OPT_OUT_COLUMNS:
                    found.append((node.lineno, f".{target.attr} = ..."))
    return [f"{line}: {what}" for line, what in sorted(found)]


def test_the_lint_catches_each_kind_of_write():
    sample = """
async def f(customer, conn):
    await ContactAttempt.create(customer_id=1, channel="sms")
    await ContactAttempt.bulk_create([])
    await ContactAttempt.filter(note="x").using_db(conn).update(outcome="busy")
    row = ContactAttempt(customer_id=1)
    await Customer.filter(id=1).update(opted_out_at=now)
    await Customer.create(name="x", no_sms=True)
    customer.no_calls = True
    await ContactRefusal.create(customer_id=1, reason="budget")
"""
    assert [line.split(":")[0] for line in offences(sample)] == [
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
    ]


def test_reading_is_not_writing():
    sample = """
async def f(customer):
    await ContactAttempt.filter(customer_id=1).count()
    await Customer.filter(opted_out_at__isnull=True).values("opted_out_at", "no_calls")
    flag = customer.no_calls
"""
    assert offences(sample) == []


def test_only_the_gate_writes_contact_attempts_refusals_and_opt_outs():
    found = []
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name in GATE or "/migrations/" in name:
                continue
            found += [f"{name}:{line}" for line in offences(path.read_text(encoding="utf-8"))]
    assert found == []
