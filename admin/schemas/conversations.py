"""The inbox: conversations, their messages, and the attendant's reply."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from models import Conversation
from models.enums import Channel, ConversationState, MessageAuthor, MessageDirection
from negotiation.errors import NotFound


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
    contact: str | None = Field(
        None, description="Where to reach the debtor: a call's number, else the chat's handle"
    )


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]


class ReplyIn(BaseModel):
    # Length and emptiness are checked by the service (one place, one message).
    text: str


def conversation_fields(conversation: Conversation) -> dict:
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


async def conversation_out(conversation_id: int) -> ConversationOut:
    conversation = await Conversation.get_or_none(id=conversation_id).select_related(
        "customer", "assigned_to"
    )
    if conversation is None:
        raise NotFound(f"conversa {conversation_id} não existe")
    return ConversationOut(**conversation_fields(conversation))
