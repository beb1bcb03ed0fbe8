"""A phone call's transcript: what the robot said and what the person pressed or said, on the
call's conversation timeline (the same timeline as a chat's).

During the call the transcript is buffered on the `Call` row (`data["transcript"]`), which
every step of the dialog saves anyway, and it is written to the conversation in one batch
when the robot's part ends: the call is done, transferred or hung up (`flush`, by the
dialog), or Twilio reports it ended while the dialog was still waiting for an answer
(`flush_ended`, by the status callback). Writing each line as it was said cost two
transactions per step (one for the conversation, one per message), more than the rest of
the step together: the answer Twilio waits on for every question.

Like the timeline before, the transcript never breaks a call: a failure is logged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from models import Call, Conversation, clock
from models.enums import Channel, MessageAuthor, MessageDirection
from negotiation import conversations

log = logging.getLogger("quita.ivr")

KEY = "transcript"


async def conversation_of(call: Call) -> Conversation:
    """The call's open conversation (opened on first use), keyed by its CallSid, and the
    customer's once the person is confirmed."""
    customer_id = call.customer_id if call.data.get("confirmed") else None
    return await conversations.open_for(Channel.VOICE, call.sid or f"call:{call.id}", customer_id)


def add(call: Call, direction: MessageDirection, text: str, at: datetime, **payload: Any) -> None:
    """Buffer one line on the call (saved with the call's next save)."""
    if not text:
        return
    line = {"direction": direction.value, "text": text, "at": at.isoformat(), **payload}
    call.data = {**call.data, KEY: [*call.data.get(KEY, []), line]}


def _said(lines: list[dict[str, Any]], call_id: int) -> list[conversations.Said]:
    said = []
    for line in lines:
        direction = MessageDirection(line["direction"])
        payload = {k: v for k, v in line.items() if k not in ("direction", "text", "at")}
        said.append(
            conversations.Said(
                direction=direction,
                author=MessageAuthor.DEBTOR
                if direction == MessageDirection.IN
                else MessageAuthor.BOT,
                text=line["text"],
                at=datetime.fromisoformat(line["at"]),
                payload={"call_id": call_id, **payload},
            )
        )
    return said


async def _write(call: Call, lines: list[dict[str, Any]]) -> None:
    conversation = await conversation_of(call)
    await conversations.record_many(conversation, _said(lines, call.id))


async def flush(call: Call) -> None:
    """Write the buffered lines of a call whose step this request holds; the call's next
    save stores it without them."""
    lines = call.data.get(KEY)
    if not lines:
        return
    try:
        await _write(call, lines)
    except Exception:
        log.exception("call %s: could not write the transcript", call.id)
        return
    call.data = {k: v for k, v in call.data.items() if k != KEY}


async def flush_ended(call_id: int) -> bool:
    """After Twilio reported the call ended: write what is still buffered, unless a dialog
    request holds the call (its step ends in "*"; it flushes itself). The buffer is taken
    with a compare-and-set on the step and `updated_at`, so two callbacks, or a callback and
    a late dialog request, never write it twice. True when lines were written."""
    call = await Call.get_or_none(id=call_id)
    if call is None or not call.data.get(KEY) or call.step.endswith("*"):
        return False
    lines = call.data[KEY]
    rest = {k: v for k, v in call.data.items() if k != KEY}
    # A new `updated_at`, so a dialog request that read the row before cannot claim it and
    # save the taken lines back (`voice_state.claim` compares it), nor can a second callback
    # take them.
    taken = await Call.filter(id=call.id, step=call.step, updated_at=call.updated_at).update(
        data=rest, updated_at=clock.now()
    )
    if not taken:
        return False
    try:
        await _write(call, lines)
    except Exception:
        log.exception("call %s: could not write the transcript", call.id)
        return False
    return True


async def end(call_id: int) -> bool:
    """The call ended (Twilio's final status): what is still buffered is written, and the
    call's conversation closes, unless it waits for a person (`conversations.end`)."""
    await flush_ended(call_id)
    call = await Call.get_or_none(id=call_id)
    if call is None:
        return False
    return await conversations.end(Channel.VOICE, call.sid or f"call:{call.id}")
