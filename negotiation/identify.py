"""Who is this? Identifying a debtor on a chat or a call before anything about a debt is said.

Ways in: a deep link (negotiation.deep_links), a phone number the channel vouches for
(Telegram's shared contact, a caller ID), or the CPF/CNPJ plus a second factor (birth date, or
the last four digits of a registered phone).

Failures are counted on two keys: the handle ("telegram:<chat id>", "voice:<number>") and the
CPF/CNPJ typed ("document:<digits>"), so a guesser who changes chats or caller IDs still
meets the document's lock. After 5 failures within a day a key is locked; each lock in a row
lasts longer (15 min, 1 h, 4 h, then 24 h). A success clears the handle; on the document it
clears the failures but keeps the lock step, so the owner signing in between an attacker's
rounds does not shorten the attacker's next wait (the step is forgotten after 30 days
without failures). The document is counted whether it exists or not, and the messages are
the same either way: they never tell whether a CPF exists.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from models import Customer, CustomerPhone, IdentityLock, clock
from models.hot_path import fetch, fetch_rows
from negotiation.documents import normalize_document
from negotiation.errors import InvalidInput, PermissionDenied
from negotiation.phones import lookup_phone

MAX_FAILURES = 5
LOCK_STEPS = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4), timedelta(hours=24))
FAILURE_WINDOW = timedelta(hours=24)  # failures older than this (and no lock) start over
FORGET_STEPS_AFTER = timedelta(days=30)  # a key this long without failures starts at 15 min


def wait_words(wait: timedelta) -> str:
    """How long a lock still lasts, in words, rounded up: "15 minutos", "1 hora", "4 horas"."""
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    if minutes < 60:
        return f"{minutes} minuto{'s' if minutes > 1 else ''}"
    hours = -(-minutes // 60)
    return f"{hours} hora{'s' if hours > 1 else ''}"


class Locked(PermissionDenied):
    """Too many failed attempts: the handle (or the document) waits until `until`."""

    def __init__(self, until: datetime, now: datetime | None = None) -> None:
        self.until = until
        self.wait = wait_words(until - (now or clock.now()))
        super().__init__(
            f"muitas tentativas sem sucesso; por segurança, tente de novo em {self.wait}"
        )


def document_key(document: str) -> str:
    return f"document:{document}"


# The customers with a phone number: a caller ID or a shared contact is one of them only when
# exactly one has it; at most two rows tell "one" from "several".
_WITH_PHONE = "(SELECT customer_id FROM customer_phone WHERE number = ?)"


def _only(found: list[Any]) -> Any | None:
    """The one match of a lookup capped at two rows; None for none or several (ambiguous)."""
    return found[0] if len(found) == 1 else None


def _refuse_if_locked(until: datetime | None, now: datetime) -> None:
    if until and until > now:
        raise Locked(until, now)


async def customer_by_phone(text: str) -> Customer | None:
    """The one customer with this phone; None if none, or if several share it (ambiguous)."""
    number = lookup_phone(text)
    if number is None:
        return None
    # One point read: a caller waits on it.
    sql = f"SELECT * FROM customer WHERE id IN {_WITH_PHONE} LIMIT 2"
    return _only(await fetch(Customer, sql, number))


async def unlocked_caller(handle: str, phone: str, now: datetime) -> Customer | None:
    """`ensure_unlocked(handle)`, then `customer_by_phone(phone)`, in one point read: the first
    answer of a call waits on both. The customer has only its id, name and document (a
    partial instance, for reading). Raises Locked."""
    rows = await fetch_rows(
        "SELECT l.locked_until AS locked_until, c.id AS id, c.name AS name,"
        " c.document AS document"
        " FROM (SELECT 1 AS one) AS one"
        " LEFT JOIN identity_lock l ON l.handle = ?"
        f" LEFT JOIN customer c ON c.id IN {_WITH_PHONE}"
        " LIMIT 2",
        handle,
        lookup_phone(phone) or "",
    )
    until = IdentityLock._meta.fields_map["locked_until"].to_python_value(rows[0]["locked_until"])
    _refuse_if_locked(until, now)
    found = _only([row for row in rows if row["id"] is not None])
    if found is None:
        return None
    return Customer._init_from_db(**{k: v for k, v in found.items() if k != "locked_until"})


async def ensure_unlocked(
    handle: str, now: datetime | None = None, *, document: str | None = None
) -> None:
    """Raises Locked while the handle, or the document when given, is locked (one point
    read: a caller may be waiting on it)."""
    now = now or clock.now()
    keys = [handle] if document is None else [handle, document_key(document)]
    marks = ", ".join("?" for _ in keys)
    locks = await fetch(
        IdentityLock, f"SELECT * FROM identity_lock WHERE handle IN ({marks})", *keys
    )
    until = [lock.locked_until for lock in locks if lock.locked_until and lock.locked_until > now]
    if until:
        raise Locked(max(until), now)


def _add_failure(lock: IdentityLock, now: datetime) -> None:
    if lock.failed_at is None or now - lock.failed_at >= FORGET_STEPS_AFTER:
        lock.locks = 0
    if lock.locked_until or lock.failed_at is None or now - lock.failed_at >= FAILURE_WINDOW:
        # An ended lock, or failures long ago: counting starts over.
        lock.failures, lock.locked_until = 0, None
    lock.failures += 1
    lock.failed_at = now
    if lock.failures >= MAX_FAILURES:
        lock.locked_until = now + LOCK_STEPS[min(lock.locks, len(LOCK_STEPS) - 1)]
        lock.locks += 1


async def _attempt(
    keys: list[str], now: datetime, check: Callable[[], Awaitable[bool]] | None = None
) -> bool:
    """Runs `check` (None: a failure) with the keys' rows locked, counting a failure on each
    when it fails and clearing them when it passes. Attempts on one key run one at a time:
    of many sent at once, no more than MAX_FAILURES are checked before the lock.
    Raises Locked (after the transaction) when a key is, or becomes, locked."""
    keys = sorted(set(keys))  # rows locked in one order: no deadlock between two attempts
    await IdentityLock.bulk_create([IdentityLock(handle=k) for k in keys], ignore_conflicts=True)
    async with in_transaction():
        rows = await IdentityLock.filter(handle__in=keys).order_by("handle").select_for_update()
        already = [r.locked_until for r in rows if r.locked_until and r.locked_until > now]
        passed = not already and check is not None and await check()
        for row in rows if not already else []:
            if not passed:
                _add_failure(row, now)
                await row.save()
            elif row.handle.startswith("document:"):
                # `failed_at` stays: it dates the lock step, forgotten a month after it.
                row.failures = 0
                await row.save()
            else:
                await row.delete()
    until = [r.locked_until for r in rows if r.locked_until and r.locked_until > now]
    if until:
        raise Locked(max(until), now)
    return passed


def _keys(handle: str, document: str | None) -> list[str]:
    return [handle] if document is None else [handle, document_key(document)]


async def record_failure(
    handle: str, now: datetime | None = None, *, document: str | None = None
) -> int:
    """Count one failure on the handle and, when given, the document; the attempts left
    before a lock. Raises Locked when this failure locks either."""
    now = now or clock.now()
    keys = _keys(handle, document)
    await _attempt(keys, now)
    failures = await IdentityLock.filter(handle__in=keys).values_list("failures", flat=True)
    return MAX_FAILURES - max(failures)


async def clear_failures(handle: str, *, document: str | None = None) -> None:
    """A success: the handle starts over; the document's failures too, not its lock step."""
    await IdentityLock.filter(handle=handle).delete()
    if document is not None:
        await IdentityLock.filter(handle=document_key(document)).update(failures=0)


def parse_document(text: str) -> str:
    """The CPF/CNPJ digits, or InvalidInput saying what to type."""
    try:
        return normalize_document(text)
    except InvalidInput:
        raise InvalidInput(
            "não reconheci um CPF ou CNPJ válido; digite só os números (11 do CPF ou 14 do CNPJ)"
        ) from None


def _birth_date(text: str) -> date | None:
    match = re.fullmatch(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*", text)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


async def second_factor_matches(customer: Customer | None, text: str) -> bool:
    if customer is None:
        return False
    born = _birth_date(text)
    if born is not None:
        return customer.birth_date == born
    digits = re.sub(r"\D", "", text)
    if len(digits) != 4:
        return False
    numbers = await CustomerPhone.filter(customer_id=customer.id).values_list("number", flat=True)
    return any(n.endswith(digits) for n in numbers)


def looks_like_second_factor(text: str) -> bool:
    return _birth_date(text) is not None or len(re.sub(r"\D", "", text)) == 4


async def verify_document(
    handle: str, document: str, second_factor: str, now: datetime | None = None
) -> Customer:
    """The customer, when both match; a failure counted on the handle and the document
    otherwise (same message whether the CPF exists or not). Raises Locked."""
    now = now or clock.now()
    await ensure_unlocked(handle, now, document=document)  # a locked one writes nothing
    found: list[Customer] = []

    async def check() -> bool:
        customer = await Customer.get_or_none(document=document)
        found[:] = [customer] if customer else []
        return await second_factor_matches(customer, second_factor)

    if await _attempt(_keys(handle, document), now, check):
        return found[0]
    failures = await IdentityLock.filter(handle__in=_keys(handle, document)).values_list(
        "failures", flat=True
    )
    left = MAX_FAILURES - max(failures)
    raise InvalidInput(
        f"os dados não conferem com o cadastro; restam {left} tentativa(s). "
        "Digite seu CPF/CNPJ de novo para recomeçar"
    )
