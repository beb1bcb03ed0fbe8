"""Conversations across channels and every message on their timeline."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import Channel, ConversationState, MessageAuthor, MessageDirection, sql_in
from models.fields import Timestamp


class Conversation(Model):
    id = fields.IntField(primary_key=True)
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="conversations", null=True, on_delete=fields.SET_NULL
    )
    channel = fields.CharEnumField(Channel, max_length=12)
    # The channel's own handle: Telegram chat id, Twilio call SID, phone number.
    external_ref = fields.CharField(max_length=64)
    state = fields.CharEnumField(ConversationState, max_length=10, default=ConversationState.BOT)
    assigned_to = fields.ForeignKeyField(
        "models.User", related_name="conversations", null=True, on_delete=fields.SET_NULL
    )
    escalated_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = Timestamp(auto_now_add=True)
    updated_at = Timestamp(auto_now=True)

    class Meta:
        table = "conversation"
        ordering = ["-updated_at", "-id"]
        indexes = (("channel", "external_ref"), ("state",))
        constraints = (
            CheckConstraint(check=sql_in("state", ConversationState), name="ck_conv_state"),
            CheckConstraint(check=sql_in("channel", Channel), name="ck_conv_channel"),
        )


class Message(Model):
    id = fields.IntField(primary_key=True)
    conversation = fields.ForeignKeyField(
        "models.Conversation", related_name="messages", on_delete=fields.CASCADE
    )
    direction = fields.CharEnumField(MessageDirection, max_length=3)
    author = fields.CharEnumField(MessageAuthor, max_length=10)
    author_user = fields.ForeignKeyField(
        "models.User", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    text = fields.TextField(default="")
    # The channel's id of the message (Telegram update id, Twilio SID): a redelivery is a no-op.
    channel_message_id = fields.CharField(max_length=64, null=True)
    payload = fields.JSONField(null=True)
    created_at = Timestamp(auto_now_add=True)

    class Meta:
        table = "message"
        ordering = ["created_at", "id"]
        unique_together = (("conversation", "channel_message_id"),)
        constraints = (
            CheckConstraint(check=sql_in("direction", MessageDirection), name="ck_msg_direction"),
            CheckConstraint(check=sql_in("author", MessageAuthor), name="ck_msg_author"),
        )
