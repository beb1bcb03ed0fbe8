"""The sandbox's outbox: every message Quita would have sent to the outside world while
QUITA_SANDBOX is on (e-mail, SMS, Telegram, robot calls), kept so the console can show it as
the debtor would have seen it."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import sql_in
from models.fields import Timestamp


class SandboxChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    TELEGRAM = "telegram"
    CALL = "call"  # a robot call placed (nobody can answer it in the sandbox)


class SandboxMessage(Model):
    id = fields.IntField(primary_key=True)
    channel = fields.CharEnumField(SandboxChannel, max_length=10)
    # E-mail address, E.164 phone or Telegram chat id.
    recipient = fields.CharField(max_length=254)
    sender = fields.CharField(max_length=254, default="")
    subject = fields.CharField(max_length=255, default="")
    text = fields.TextField(default="")
    html = fields.TextField(null=True)
    # What the sender would have got back from the provider (Message-ID, SID, message id).
    external_id = fields.CharField(max_length=100, default="")
    # Per channel: Telegram's Bot API method and buttons, a call's Call and campaign entry.
    details = fields.JSONField(default=dict)
    created_at = Timestamp(auto_now_add=True)

    class Meta:
        table = "sandbox_message"
        ordering = ["-id"]
        indexes = (("channel", "recipient"),)
        constraints = (
            CheckConstraint(check=sql_in("channel", SandboxChannel), name="ck_sandbox_channel"),
        )


class SandboxAttachment(Model):
    """A file that went with a message (an e-mail's PDF, a Telegram photo or document), its
    bytes kept as they were sent."""

    id = fields.IntField(primary_key=True)
    message = fields.ForeignKeyField(
        "models.SandboxMessage", related_name="attachments", on_delete=fields.CASCADE
    )
    filename = fields.CharField(max_length=255)
    mime = fields.CharField(max_length=100)
    content = fields.BinaryField()

    class Meta:
        table = "sandbox_attachment"
        ordering = ["id"]
