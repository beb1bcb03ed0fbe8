"""negotiation.call_transcript: a call's lines buffered on the Call row and written to its
voice conversation in one batch, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models import Call, Conversation, Message
from models.enums import Channel, MessageAuthor, MessageDirection
from negotiation import call_transcript, ivr
from negotiation.call_transcript import KEY, add, flush, flush_ended
from tests.factories import make_customer, new_inbound_call, voice_timeline
from tests.negotiation.test_dialer_queue import settings

SID = "CA" + "5" * 32
T0 = datetime(2026, 11, 25, 17, 0, 1, 250000, tzinfo=UTC)
T1 = T0 + timedelta(seconds=4, microseconds=500)
T2 = T0 + timedelta(seconds=9, microseconds=123456)


def _call(**extra) -> Call:
    return new_inbound_call(**{"sid": SID, "step": "person", "data": {"turn": 1}, **extra})


def _three_lines(call: Call) -> None:
    add(call, MessageDirection.OUT, "Você ligou para o Provedor. Falo com Maria?", T0, step="start")
    add(call, MessageDirection.IN, "1", T1, step="person")
    add(call, MessageDirection.OUT, "Digite os três primeiros números do CPF.", T2, step="cpf3")


def test_add_buffers_lines_on_the_call() -> None:
    call = _call()
    add(call, MessageDirection.OUT, "Olá", T0, step="start")
    add(call, MessageDirection.IN, "", T1, step="person")  # nothing said: nothing added
    add(call, MessageDirection.IN, "1", T1, step="person", event="dtmf")
    assert call.data == {
        "turn": 1,
        KEY: [
            {"direction": "out", "text": "Olá", "at": T0.isoformat(), "step": "start"},
            {
                "direction": "in",
                "text": "1",
                "at": T1.isoformat(),
                "step": "person",
                "event": "dtmf",
            },
        ],
    }


def test_empty_text_adds_nothing() -> None:
    call = _call()
    add(call, MessageDirection.OUT, "", T0)
    assert call.data == {"turn": 1}


async def test_flush_writes_the_lines_in_order(each_db) -> None:
    call = _call()
    await call.save()
    _three_lines(call)
    await flush(call)

    assert call.data == {"turn": 1}  # the buffer is gone, the rest stays
    [conversation] = await Conversation.all()
    assert conversation.channel == Channel.VOICE and conversation.external_ref == SID
    messages = await voice_timeline(SID)
    assert [(m.direction, m.author, m.text) for m in messages] == [
        (MessageDirection.OUT, MessageAuthor.BOT, "Você ligou para o Provedor. Falo com Maria?"),
        (MessageDirection.IN, MessageAuthor.DEBTOR, "1"),
        (MessageDirection.OUT, MessageAuthor.BOT, "Digite os três primeiros números do CPF."),
    ]
    assert [m.created_at for m in messages] == [T0, T1, T2]
    assert [m.payload for m in messages] == [
        {"call_id": call.id, "step": "start"},
        {"call_id": call.id, "step": "person"},
        {"call_id": call.id, "step": "cpf3"},
    ]
    assert all(m.conversation_id == conversation.id for m in messages)


async def test_flush_without_lines_writes_nothing(each_db) -> None:
    call = _call()
    await call.save()
    await flush(call)
    assert call.data == {"turn": 1}
    assert await Message.all().count() == 0
    assert await Conversation.all().count() == 0


async def _buffered_call(**extra) -> Call:
    call = _call(**extra)
    _three_lines(call)
    await call.save()
    return call


async def test_flush_ended_writes_the_buffer_once(each_db) -> None:
    call = await _buffered_call()
    assert await flush_ended(call.id) is True
    messages = await voice_timeline(SID)
    assert [m.text for m in messages] == [
        "Você ligou para o Provedor. Falo com Maria?",
        "1",
        "Digite os três primeiros números do CPF.",
    ]
    assert [m.author for m in messages] == [
        MessageAuthor.BOT,
        MessageAuthor.DEBTOR,
        MessageAuthor.BOT,
    ]
    assert [m.created_at for m in messages] == [T0, T1, T2]
    assert all(m.payload["call_id"] == call.id for m in messages)
    stored = await Call.get(id=call.id)
    assert stored.data == {"turn": 1}

    assert await flush_ended(call.id) is False
    assert len(await voice_timeline(SID)) == 3


async def test_flush_ended_of_an_unknown_or_empty_call_does_nothing(each_db) -> None:
    assert await flush_ended(123456) is False
    call = _call()
    await call.save()
    assert await flush_ended(call.id) is False
    assert await Message.all().count() == 0 and await Conversation.all().count() == 0


async def test_concurrent_flush_ended_write_the_lines_once(each_db, monkeypatch) -> None:
    call = await _buffered_call()
    # Both callbacks read the call before either takes the buffer (as two status callbacks
    # of one call can): the compare-and-set must let only one of them write.
    read = Call.get_or_none
    both_read = asyncio.Event()
    readers = 0

    async def get_or_none(*args, **kwargs):
        nonlocal readers
        found = await read(*args, **kwargs)
        readers += 1
        if readers == 2:
            both_read.set()
        await asyncio.wait_for(both_read.wait(), 5)
        return found

    monkeypatch.setattr(Call, "get_or_none", get_or_none)
    results = await asyncio.gather(flush_ended(call.id), flush_ended(call.id))
    monkeypatch.undo()

    assert [m.text for m in await voice_timeline(SID)] == [
        "Você ligou para o Provedor. Falo com Maria?",
        "1",
        "Digite os três primeiros números do CPF.",
    ]
    assert sorted(results) == [False, True]
    assert KEY not in (await Call.get(id=call.id)).data


async def test_flush_ended_leaves_a_call_held_by_a_dialog_request(each_db) -> None:
    call = await _buffered_call(step="person*")
    assert await flush_ended(call.id) is False
    assert await Message.all().count() == 0
    stored = await Call.get(id=call.id)
    assert [line["text"] for line in stored.data[KEY]] == [
        "Você ligou para o Provedor. Falo com Maria?",
        "1",
        "Digite os três primeiros números do CPF.",
    ]
    # Released by the dialog (it did not flush): now the status callback's flush writes.
    await Call.filter(id=call.id).update(step="person")
    assert await flush_ended(call.id) is True
    assert len(await voice_timeline(SID)) == 3


async def test_conversation_of_is_keyed_by_the_call_sid(each_db) -> None:
    call = _call()
    await call.save()
    first = await call_transcript.conversation_of(call)
    again = await call_transcript.conversation_of(call)
    assert first.id == again.id
    assert first.channel == Channel.VOICE and first.external_ref == SID
    assert first.customer_id is None


async def test_a_late_dialog_request_does_not_write_taken_lines_again(each_db) -> None:
    customer = await make_customer(name="MARIA DA SILVA")
    call = await _buffered_call(customer_id=customer.id)
    # A Gather action arrives as the caller hangs up: its request read the call first...
    held = await ivr.call_by_sid(SID)
    # ...then the `completed` callback wrote the buffered lines...
    assert await flush_ended(call.id) is True
    assert len(await voice_timeline(SID)) == 3
    # ...then the request goes on with what it read: the row is no longer as it read it, so
    # it cannot take the step; it only repeats the question and saves nothing.
    prompt = await ivr.gathered(held, "person", "1", None, settings(), T2 + timedelta(seconds=3))
    assert prompt.gather is not None and prompt.gather.step == "person"

    stored = await Call.get(id=call.id)
    assert stored.step == "person" and KEY not in stored.data
    assert await flush_ended(call.id) is False
    assert [m.text for m in await voice_timeline(SID)] == [
        "Você ligou para o Provedor. Falo com Maria?",
        "1",
        "Digite os três primeiros números do CPF.",
    ]
