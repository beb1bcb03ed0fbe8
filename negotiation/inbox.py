"""The attendants' inbox: which conversations are open, in what order, with their last
message, and one conversation's whole timeline. Reading only; what changes a conversation is
`negotiation.conversations`."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Case, F, When
from tortoise.functions import Coalesce, Max

from models import Call, Conversation, Message
from models.enums import CallDirection, Channel, ConversationState
from negotiation.errors import NotFound

_STATE_RANK = {
    ConversationState.WAITING: 0,
    ConversationState.CLAIMED: 1,
    ConversationState.BOT: 2,
    ConversationState.CLOSED: 3,
}


@dataclass
class InboxItem:
    conversation: Conversation  # customer and assigned_to loaded
    customer_name: str | None
    last_message: Message | None
    # Where the debtor is on the channel, as an attendant calls them back: a call's number
    # (its conversation is known by the call's SID), a chat's handle otherwise.
    contact: str | None = None


async def listing(
    state: ConversationState | str | None = None, limit: int = 50, offset: int = 0
) -> list[InboxItem]:
    """Open conversations (or those of `state`): WAITING first, then CLAIMED, then BOT;
    oldest first within each (waiting since escalation, the others since the last change)."""
    query = Conversation.all()
    if state is None:
        query = query.exclude(state=ConversationState.CLOSED)
    else:
        query = query.filter(state=ConversationState(state))
    ids = (
        await query.annotate(
            rank=Case(
                # Text ranks ("0" < "1" < ...): PostgreSQL types the CASE as the column's.
                *(When(state=s.value, then=str(rank)) for s, rank in _STATE_RANK.items()),
                default="9",
            ),
            since=Coalesce("escalated_at", F("updated_at")),
        )
        .order_by("rank", "since", "id")
        .offset(max(offset, 0))
        .limit(max(min(limit, 500), 1))
        .values_list("id", flat=True)
    )
    # Loaded apart: joined tables would make the unqualified columns above ambiguous.
    loaded = await Conversation.filter(id__in=list(ids)).select_related("customer", "assigned_to")
    by_id = {c.id: c for c in loaded}
    rows = [by_id[i] for i in ids if i in by_id]
    last = await last_messages([c.id for c in rows])
    numbers = await _call_numbers(rows)
    return [
        InboxItem(
            conversation=c,
            customer_name=c.customer.name if c.customer is not None else None,
            last_message=last.get(c.id),
            contact=numbers.get(c.external_ref, c.external_ref),
        )
        for c in rows
    ]


async def _call_numbers(rows: list[Conversation]) -> dict[str, str]:
    """The debtor's number of each call among `rows`' voice conversations, by call SID."""
    sids = [c.external_ref for c in rows if c.channel == Channel.VOICE]
    numbers: dict[str, str] = {}
    for call in await Call.filter(sid__in=sids) if sids else []:
        inbound = call.direction == CallDirection.INBOUND
        number = call.from_number if inbound else call.to_number
        if number:
            numbers[call.sid] = number
    return numbers


async def last_messages(conversation_ids: list[int]) -> dict[int, Message]:
    """The newest message of each conversation (two queries, whatever the count)."""
    if not conversation_ids:
        return {}
    newest = (
        await Message.filter(conversation_id__in=conversation_ids)
        .annotate(last_id=Max("id"))
        .group_by("conversation_id")
        .values("conversation_id", "last_id")
    )
    ids = [row["last_id"] for row in newest]
    return {m.conversation_id: m for m in await Message.filter(id__in=ids)}


async def timeline(conversation_id: int) -> tuple[Conversation, list[Message]]:
    """The conversation (customer and assignee loaded) and all its messages, in order."""
    conversation = await Conversation.get_or_none(id=conversation_id).select_related(
        "customer", "assigned_to"
    )
    if conversation is None:
        raise NotFound(f"conversa {conversation_id} não existe")
    messages = (
        await Message.filter(conversation_id=conversation_id)
        .order_by("created_at", "id")
        .select_related("author_user")
    )
    return conversation, list(messages)
