"""Who is calling: the caller's customer and the lockout, read together for a call's first
answer, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import CustomerPhone, IdentityLock
from negotiation.identify import Locked, customer_by_phone, unlocked_caller
from tests.factories import make_customer

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
PHONE = "+5519988887777"
HANDLE = f"voice:{PHONE}"


async def test_one_customer_with_the_phone_is_the_caller(each_db) -> None:
    customer = await make_customer(name="MARIA DA SILVA")
    await CustomerPhone.create(customer=customer, number=PHONE)
    found = await unlocked_caller(HANDLE, "(19) 98888-7777", NOW)
    assert found is not None
    assert (found.id, found.name, found.document) == (customer.id, customer.name, customer.document)
    assert found.first_name == "Maria"
    assert (await customer_by_phone(PHONE)).id == customer.id


async def test_an_unknown_or_shared_phone_is_nobody(each_db) -> None:
    assert await unlocked_caller(HANDLE, PHONE, NOW) is None
    assert await unlocked_caller(HANDLE, "not a phone", NOW) is None
    for name in ("ANA", "BIA"):
        await CustomerPhone.create(customer=await make_customer(name=name), number=PHONE)
    assert await unlocked_caller(HANDLE, PHONE, NOW) is None
    assert await customer_by_phone(PHONE) is None


async def test_a_locked_handle_is_refused_until_the_lock_ends(each_db) -> None:
    customer = await make_customer()
    await CustomerPhone.create(customer=customer, number=PHONE)
    until = NOW + timedelta(minutes=30)
    await IdentityLock.create(handle=HANDLE, failures=5, locked_until=until)
    with pytest.raises(Locked) as refused:
        await unlocked_caller(HANDLE, PHONE, NOW)
    assert refused.value.until == until
    # Unknown callers are locked out too: the lock is the handle's, not the customer's.
    await CustomerPhone.all().delete()
    with pytest.raises(Locked):
        await unlocked_caller(HANDLE, PHONE, NOW)
    await CustomerPhone.create(customer=customer, number=PHONE)
    assert (await unlocked_caller(HANDLE, PHONE, until + timedelta(seconds=1))).id == customer.id
    # Another handle's lock is not this one's.
    assert (await unlocked_caller("voice:+5511900001111", PHONE, NOW)).id == customer.id
