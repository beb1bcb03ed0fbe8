"""The attendants' inbox: conversations the debtors escalated, taking them, answering,
handing back to the bot, closing. The rules are in negotiation.conversations.

Sending goes through `request.app.state.relays`: a mapping Channel -> async callable
`(conversation, text) -> channel message id`, set up by the app for each channel it can send on.

No `from __future__ import annotations` here: FastAPI must see the real body classes.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict

from admin.security import require
from models import Conversation, User
from models.enums import Channel, ConversationState, MessageAuthor, MessageDirection
from negotiation import conversations as service
from negotiation.errors import Conflict, NotFound
from negotiation.permissions import Permission

router = APIRouter(prefix="/conversations", tags=["conversas"])
handle = require(Permission.HANDLE_CONVERSATIONS)


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    direction: MessageDirection
    author: MessageAuthor
    author_user_id: int | None
    text: str
    channel_message_id: str | None
    created_at: datetime


class ConversationOut(BaseModel):
    id: int
    channel: Channel
    external_ref: str
    state: ConversationState
    customer_id: int | None
    customer_name: str | None
    assigned_to_id: int | None
    assigned_to: str | None  # the username
    escalated_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class InboxItemOut(ConversationOut):
    last_message: MessageOut | None


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]


class ReplyIn(BaseModel):
    # Length and emptiness are checked by the service (one place, one message).
    text: str


def _out(conversation: Conversation) -> dict:
    """The fields of ConversationOut; customer and assigned_to must be loaded."""
    customer = conversation.customer
    assignee = conversation.assigned_to
    return {
        "id": conversation.id,
        "channel": conversation.channel,
        "external_ref": conversation.external_ref,
        "state": conversation.state,
        "customer_id": conversation.customer_id,
        "customer_name": customer.name if customer is not None else None,
        "assigned_to_id": conversation.assigned_to_id,
        "assigned_to": assignee.username if assignee is not None else None,
        "escalated_at": conversation.escalated_at,
        "closed_at": conversation.closed_at,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
    }


async def _loaded(conversation_id: int) -> ConversationOut:
    conversation = await Conversation.get_or_none(id=conversation_id).select_related(
        "customer", "assigned_to"
    )
    if conversation is None:
        raise NotFound(f"conversa {conversation_id} não existe")
    return ConversationOut(**_out(conversation))


def _relay_for(request: Request, conversation: Conversation) -> service.Relay:
    relays = getattr(request.app.state, "relays", None) or {}
    relay = relays.get(Channel(conversation.channel))
    if relay is None:
        raise Conflict(f"canal sem envio configurado ({conversation.channel})")
    return relay


async def _conversation(conversation_id: int) -> Conversation:
    conversation = await Conversation.get_or_none(id=conversation_id)
    if conversation is None:
        raise NotFound(f"conversa {conversation_id} não existe")
    return conversation


@router.get(
    "",
    response_model=list[InboxItemOut],
    summary="The inbox: waiting first, then claimed, then with the bot; oldest first",
)
async def list_conversations(
    state: Annotated[ConversationState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    _: User = handle,
):
    items = await service.inbox(state=state, limit=limit, offset=offset)
    return [
        InboxItemOut(
            **_out(item.conversation),
            last_message=(
                MessageOut.model_validate(item.last_message) if item.last_message else None
            ),
        )
        for item in items
    ]


@router.get(
    "/{conversation_id}",
    response_model=ConversationDetail,
    summary="One conversation with all its messages, in order",
)
async def get_conversation(conversation_id: int, _: User = handle):
    conversation, messages = await service.timeline(conversation_id)
    return ConversationDetail(
        **_out(conversation), messages=[MessageOut.model_validate(m) for m in messages]
    )


@router.post(
    "/{conversation_id}/claim",
    response_model=ConversationOut,
    summary="Take the conversation (409 when someone else took it first)",
)
async def claim_conversation(conversation_id: int, user: User = handle):
    await service.claim(conversation_id, user)
    return await _loaded(conversation_id)


@router.post(
    "/{conversation_id}/messages",
    response_model=MessageOut,
    status_code=201,
    summary="Write to the debtor on the conversation's channel",
)
async def post_message(conversation_id: int, data: ReplyIn, request: Request, user: User = handle):
    conversation = await _conversation(conversation_id)
    relay = _relay_for(request, conversation)
    message = await service.reply(conversation_id, user, data.text, relay)
    return MessageOut.model_validate(message)


@router.post(
    "/{conversation_id}/hand-back",
    response_model=ConversationOut,
    summary="Give the conversation back to the bot (the debtor is told)",
)
async def hand_back_conversation(conversation_id: int, request: Request, user: User = handle):
    conversation = await _conversation(conversation_id)
    relay = _relay_for(request, conversation)
    await service.hand_back(conversation_id, user, relay)
    # The bot picks up where the debtor was: it shows the screen of their step again.
    resume = getattr(request.app.state, "resumers", {}).get(conversation.channel)
    if resume is not None:
        await resume(conversation)
    return await _loaded(conversation_id)


@router.post(
    "/{conversation_id}/close",
    response_model=ConversationOut,
    summary="Close the conversation",
)
async def close_conversation(conversation_id: int, user: User = handle):
    await service.close(conversation_id, user)
    return await _loaded(conversation_id)
