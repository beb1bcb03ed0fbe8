"""Who is this? Identifying a debtor on a chat or a call before anything about a debt is said.

Ways in: a deep link (negotiation.deep_links), a phone number the channel vouches for
(Telegram's shared contact, a caller ID), or the CPF/CNPJ plus a second factor (birth date, or
the last four digits of a registered phone). Failures are counted per handle ("telegram:<chat
id>", "voice:<number>"): after 5, the handle is locked for an hour. Messages never tell
whether a CPF exists.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from models import Customer, CustomerPhone, IdentityLock, clock
from models.hot_path import fetch, fetch_one, fetch_rows
from negotiation.documents import normalize_document
from negotiation.errors import InvalidInput, PermissionDenied
from negotiation.phones import lookup_phone

MAX_FAILURES = 5
LOCK_TIME = timedelta(hours=1)


class Locked(PermissionDenied):
    """Too many failed attempts: the handle waits until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__("muitas tentativas sem sucesso; por segurança, tente de novo em 1 hora")
        self.until = until


# The customers with a phone number: a caller ID or a shared contact is one of them only when
# exactly one has it; at most two rows tell "one" from "several".
_WITH_PHONE = "(SELECT customer_id FROM customer_phone WHERE number = ?)"


def _only(found: list[Any]) -> Any | None:
    """The one match of a lookup capped at two rows; None for none or several (ambiguous)."""
    return found[0] if len(found) == 1 else None


def _refuse_if_locked(until: datetime | None, now: datetime) -> None:
    if until and until > now:
        raise Locked(until)


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


async def ensure_unlocked(handle: str, now: datetime | None = None) -> None:
    lock = await fetch_one(IdentityLock, "SELECT * FROM identity_lock WHERE handle = ?", handle)
    if lock is not None:
        _refuse_if_locked(lock.locked_until, now or clock.now())


async def record_failure(handle: str, now: datetime | None = None) -> int:
    """Count one failure; returns the attempts left (0: now locked)."""
    now = now or clock.now()
    try:
        await IdentityLock.create(handle=handle, failures=1)
    except IntegrityError:
        lock = await IdentityLock.get(handle=handle)
        if lock.locked_until and lock.locked_until <= now:
            # An expired lock starts over.
            await IdentityLock.filter(handle=handle).update(failures=1, locked_until=None)
        else:
            await IdentityLock.filter(handle=handle).update(failures=F("failures") + 1)
    lock = await IdentityLock.get(handle=handle)
    if lock.failures >= MAX_FAILURES:
        await IdentityLock.filter(handle=handle).update(locked_until=now + LOCK_TIME)
        return 0
    return MAX_FAILURES - lock.failures


async def clear_failures(handle: str) -> None:
    await IdentityLock.filter(handle=handle).delete()


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
    """The customer, when both match; a counted failure otherwise (same message whether the
    CPF exists or not)."""
    await ensure_unlocked(handle, now)
    customer = await Customer.get_or_none(document=document)
    if await second_factor_matches(customer, second_factor):
        await clear_failures(handle)
        return customer
    left = await record_failure(handle, now)
    if left == 0:
        raise Locked((now or clock.now()) + LOCK_TIME)
    raise InvalidInput(
        f"os dados não conferem com o cadastro; restam {left} tentativa(s). "
        "Digite seu CPF/CNPJ de novo para recomeçar"
    )
