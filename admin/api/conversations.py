"""The attendants' inbox: conversations the debtors escalated, taking them, answering,
handing back to the bot, closing. The rules are in negotiation.conversations.

Sending goes through the app's relays (admin.deps.Channels): per channel an async callable
`(conversation, text) -> channel message id`, set up by the app for each channel it can send on.

No `from __future__ import annotations` here: FastAPI must see the real body classes.
"""

from typing import Annotated

from fastapi import APIRouter, Query

from admin.deps import CanHandleConversations, ChannelsDep, SettingsDep
from admin.schemas.base import IdPath, Offset
from admin.schemas.conversations import (
    ConversationDetail,
    ConversationOut,
    InboxItemOut,
    MessageOut,
    ReplyIn,
    conversation_fields,
    conversation_out,
)
from models import Conversation
from models.enums import ConversationState
from negotiation import catalog, inbox
from negotiation import conversations as service

router = APIRouter(prefix="/conversations", tags=["conversas"])


@router.get(
    "",
    response_model=list[InboxItemOut],
    summary="The inbox: waiting first, then claimed, then with the bot; oldest first",
)
async def list_conversations(
    _: CanHandleConversations,
    state: Annotated[ConversationState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
):
    items = await inbox.listing(state=state, limit=limit, offset=offset)
    return [
        InboxItemOut(
            **conversation_fields(item.conversation),
            last_message=(
                MessageOut.model_validate(item.last_message) if item.last_message else None
            ),
            contact=item.contact,
        )
        for item in items
    ]


@router.get(
    "/{conversation_id}",
    response_model=ConversationDetail,
    summary="One conversation with all its messages, in order",
)
async def get_conversation(conversation_id: IdPath, _: CanHandleConversations):
    conversation, messages = await inbox.timeline(conversation_id)
    return ConversationDetail(
        **conversation_fields(conversation),
        messages=[MessageOut.model_validate(m) for m in messages],
    )


@router.post(
    "/{conversation_id}/claim",
    response_model=ConversationOut,
    summary="Take the conversation (409 when someone else took it first)",
)
async def claim_conversation(conversation_id: IdPath, user: CanHandleConversations):
    await service.claim(conversation_id, user)
    return await conversation_out(conversation_id)


@router.post(
    "/{conversation_id}/messages",
    response_model=MessageOut,
    status_code=201,
    summary="Write to the debtor on the conversation's channel",
)
async def post_message(
    conversation_id: IdPath,
    data: ReplyIn,
    channels: ChannelsDep,
    settings: SettingsDep,
    user: CanHandleConversations,
):
    conversation = await catalog.existing(Conversation, conversation_id, "conversa")
    relay = channels.relay(conversation)
    message = await service.reply(conversation_id, user, data.text, relay, creditor=settings)
    return MessageOut.model_validate(message)


@router.post(
    "/{conversation_id}/hand-back",
    response_model=ConversationOut,
    summary="Give the conversation back to the bot (the debtor is told)",
)
async def hand_back_conversation(
    conversation_id: IdPath, channels: ChannelsDep, user: CanHandleConversations
):
    await channels.hand_back(conversation_id, user)
    return await conversation_out(conversation_id)


@router.post(
    "/{conversation_id}/close",
    response_model=ConversationOut,
    summary="Close the conversation",
)
async def close_conversation(conversation_id: IdPath, user: CanHandleConversations):
    await service.close(conversation_id, user)
    return await conversation_out(conversation_id)
