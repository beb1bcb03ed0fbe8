"""Rule actions that send messages: the catalog of message templates (Modelos de mensagem) and
one row per action, debtor and debt episode, written before the message goes out."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import ActionSendStatus, DeliveryChannel, sql_in
from models.fields import Timestamp


class MessageTemplate(Model):
    """A pt-BR text with {variables} for one channel (an e-mail also has a subject and HTML)."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharEnumField(DeliveryChannel, max_length=10)
    name = fields.CharField(max_length=80, unique=True)
    subject = fields.CharField(max_length=200, null=True)
    text = fields.TextField()
    html = fields.TextField(null=True)
    active = fields.BooleanField(default=True)
    created_at = Timestamp(auto_now_add=True)
    updated_at = Timestamp(auto_now=True)

    class Meta:
        table = "message_template"
        ordering = ["channel", "name", "id"]
        constraints = (
            CheckConstraint(check=sql_in("channel", DeliveryChannel), name="ck_template_channel"),
        )

    def __str__(self) -> str:
        return self.name


class ActionSend(Model):
    """One action for one debtor in one debt episode. The unique key is the claim: the worker
    that inserts it sends; a second worker's insert fails and it moves on."""

    id = fields.IntField(primary_key=True)
    action = fields.ForeignKeyField(
        "models.CollectionAction", related_name="sends", on_delete=fields.CASCADE
    )
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="action_sends", on_delete=fields.CASCADE
    )
    # The id of the customer's latest broken agreement when it was claimed (0: none). A new
    # break is a new episode, so the action runs again for it.
    episode = fields.IntField(default=0)
    entry = fields.ForeignKeyField(
        "models.CampaignEntry", related_name="action_sends", null=True, on_delete=fields.SET_NULL
    )
    channel = fields.CharEnumField(DeliveryChannel, max_length=10)
    status = fields.CharEnumField(ActionSendStatus, max_length=10, default=ActionSendStatus.SENDING)
    reason = fields.CharField(max_length=255, null=True)
    # Postponed: when to try again. Sending: until when the claim holds (a crashed worker's
    # claim is taken over after it).
    retry_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    recipient = fields.CharField(max_length=254, null=True)
    external_id = fields.CharField(max_length=100, null=True)
    created_at = Timestamp(auto_now_add=True)
    updated_at = Timestamp(auto_now=True)

    class Meta:
        table = "action_send"
        ordering = ["-created_at", "-id"]
        unique_together = (("action", "customer", "episode"),)
        indexes = (("status", "retry_at"), ("entry_id",))
        constraints = (
            CheckConstraint(check=sql_in("channel", DeliveryChannel), name="ck_send_channel"),
            CheckConstraint(check=sql_in("status", ActionSendStatus), name="ck_send_status"),
        )
