"""What the chat channels need to be correct across several app instances: the
dialog state, used deep links and identification lockouts. (Telegram's redelivered updates are
told apart by `models.inbound.InboundEvent`.)"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.fields import Timestamp


class DialogState(Model):
    """The dialog state of one chat (aiogram's FSM storage key), when Redis is not used."""

    key = fields.CharField(max_length=200, primary_key=True)
    state = fields.CharField(max_length=100, null=True)
    data = fields.JSONField(default=dict)
    updated_at = Timestamp(auto_now=True)

    class Meta:
        table = "dialog_state"


class UsedLink(Model):
    """A deep-link token already used: each works once."""

    nonce = fields.CharField(max_length=32, primary_key=True)
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="used_links", on_delete=fields.CASCADE
    )
    used_at = Timestamp(auto_now_add=True)

    class Meta:
        table = "used_link"


class IdentityLock(Model):
    """Failed identification attempts counted on one key: a chat or caller ("telegram:123",
    "voice:+55…") or a CPF/CNPJ being guessed ("document:<digits>", whoever types it). After
    5 failures within a day the key is locked; each lock in a row lasts longer (the
    backoff step is `locks`)."""

    handle = fields.CharField(max_length=80, primary_key=True)
    failures = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    locks = fields.IntField(default=0)  # locks so far: the next one's length grows with it
    failed_at = fields.DatetimeField(null=True)  # the last failure: old ones are forgotten
    updated_at = Timestamp(auto_now=True)

    class Meta:
        table = "identity_lock"
