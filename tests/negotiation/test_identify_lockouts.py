"""Identification lockouts: per chat or caller and per CPF/CNPJ guessed, growing with each
lock, never telling whether a CPF exists."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from models import IdentityLock
from negotiation.errors import InvalidInput
from negotiation.identify import Locked, ensure_unlocked, verify_document
from tests.factories import make_customer

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
CPF = "52998224725"
NOBODY = "11144477735"  # a valid CPF of no customer
RIGHT, WRONG = "17/05/1980", "01/01/1990"


async def _owner():
    return await make_customer(document=CPF, birth_date=date(1980, 5, 17))


async def _fail(handle: str, document: str, now: datetime) -> str:
    """One wrong second factor; the message the debtor gets."""
    with pytest.raises((InvalidInput, Locked)) as refused:
        await verify_document(handle, document, WRONG, now)
    return str(refused.value)


async def _lock(document: str, now: datetime, first_handle: int = 0) -> str:
    """Five failures on the document, each from another chat; the last message."""
    said = ""
    for n in range(5):
        said = await _fail(f"telegram:{first_handle + n}", document, now)
    return said


@pytest.mark.parametrize("document", [CPF, NOBODY])
async def test_a_document_locks_across_chats_and_callers(each_db, document) -> None:
    await _owner()
    handles = ["telegram:1", "telegram:2", "voice:+5511900000001", "voice:+5511900000002"]
    for handle in handles:
        await _fail(handle, document, NOW)
    # The fifth guess, from yet another caller, locks the document: not any one handle.
    with pytest.raises(Locked) as locked:
        await verify_document("voice:+5511900000003", document, WRONG, NOW)
    assert str(locked.value).endswith("tente de novo em 15 minutos")
    # Even the right answer, from a fresh chat, is refused while the document is locked.
    with pytest.raises(Locked):
        await verify_document("telegram:99", document, RIGHT, NOW + timedelta(minutes=14))
    # The handles themselves are not locked: another CPF from them is still checked.
    for handle in handles:
        await ensure_unlocked(handle, NOW)
        assert (await IdentityLock.get(handle=handle)).locked_until is None
    if document == CPF:
        found = await verify_document("telegram:99", CPF, RIGHT, NOW + timedelta(minutes=15))
        assert found.document == CPF


async def test_an_unknown_document_gets_the_same_words_as_a_known_one(db) -> None:
    await _owner()
    for n in range(5):
        known = await _fail(f"telegram:k{n}", CPF, NOW)
        unknown = await _fail(f"telegram:u{n}", NOBODY, NOW)
        assert known == unknown
    assert known.endswith("15 minutos")
    assert await _fail("telegram:k9", CPF, NOW) == await _fail("telegram:u9", NOBODY, NOW)


async def test_each_lock_in_a_row_lasts_longer(db) -> None:
    await _owner()
    now = NOW
    for minutes in (15, 60, 240, 1440, 1440):
        said = await _lock(CPF, now, first_handle=int(now.timestamp()))
        lock = await IdentityLock.get(handle=f"document:{CPF}")
        assert lock.locked_until == now + timedelta(minutes=minutes)
        words = {15: "15 minutos", 60: "1 hora", 240: "4 horas", 1440: "24 horas"}[minutes]
        assert said.endswith(f"tente de novo em {words}")
        now = lock.locked_until + timedelta(seconds=1)


async def test_a_chat_locks_itself_whatever_documents_it_tries(db) -> None:
    for document in (CPF, NOBODY, "39053344705", "71428793860"):
        await _fail("telegram:7", document, NOW)
    with pytest.raises(Locked):
        await verify_document("telegram:7", "86288366757", WRONG, NOW)
    with pytest.raises(Locked):
        await ensure_unlocked("telegram:7", NOW + timedelta(minutes=14))
    await ensure_unlocked("telegram:7", NOW + timedelta(minutes=15))


async def test_a_success_clears_the_chat_and_the_documents_count_not_its_step(db) -> None:
    await _owner()
    await _lock(CPF, NOW)
    after = NOW + timedelta(minutes=16)
    for _ in range(3):
        await _fail("telegram:owner", CPF, after)
    await verify_document("telegram:owner", CPF, RIGHT, after)
    assert not await IdentityLock.exists(handle="telegram:owner")
    document = await IdentityLock.get(handle=f"document:{CPF}")
    assert (document.failures, document.locks) == (0, 1)
    # The owner's success did not shorten the next lock: an attacker's 5 more make it 1 hour.
    said = await _lock(CPF, after, first_handle=100)
    assert said.endswith("tente de novo em 1 hora")


async def test_old_failures_and_old_steps_are_forgotten(db) -> None:
    await _owner()
    for n in range(4):
        await _fail(f"telegram:{n}", CPF, NOW)
    # A day later the count starts over: four more do not lock.
    later = NOW + timedelta(days=1)
    for n in range(4):
        message = await _fail(f"telegram:{n + 10}", CPF, later)
    assert "restam 1 tentativa" in message
    # A lock, then a month without failures: the next lock is the first step again.
    await _lock(CPF, later, first_handle=20)
    month = later + timedelta(days=31)
    assert (await _lock(CPF, month, first_handle=30)).endswith("15 minutos")


async def test_guesses_sent_at_once_are_checked_no_more_than_the_limit(each_db) -> None:
    await _owner()
    handles = [f"telegram:{n}" for n in range(10)]
    answers = await asyncio.gather(
        *(verify_document(handle, CPF, WRONG, NOW) for handle in handles), return_exceptions=True
    )
    assert all(isinstance(answer, InvalidInput | Locked) for answer in answers)
    # Five were checked (and counted on their chats); the rest met the lock unchecked.
    counted = await IdentityLock.filter(handle__in=handles, failures=1).count()
    assert counted == 5
    assert (await IdentityLock.get(handle=f"document:{CPF}")).failures == 5
