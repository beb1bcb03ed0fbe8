"""Payment instruments sent to the debtor (e-mail, SMS, Telegram): the agreement's timeline of
sends, each with its delivery status, retried until it goes or is given up and shown."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import DeliveryChannel, DeliveryStatus, sql_in
from models.fields import Timestamp


class Delivery(Model):
    id = fields.IntField(primary_key=True)
    agreement = fields.ForeignKeyField(
        "models.Agreement", related_name="deliveries", on_delete=fields.CASCADE
    )
    channel = fields.CharEnumField(DeliveryChannel, max_length=10)
    # E-mail address, E.164 phone or Telegram chat id, as it was when the send was asked for.
    recipient = fields.CharField(max_length=254)
    status = fields.CharEnumField(DeliveryStatus, max_length=12, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    # The provider's id (Message-ID, Twilio SID, Telegram message id): status callbacks find
    # the delivery by it.
    external_id = fields.CharField(max_length=100, null=True)
    requested_by = fields.ForeignKeyField(
        "models.User", related_name="deliveries", null=True, on_delete=fields.SET_NULL
    )
    created_at = Timestamp(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    updated_at = Timestamp(auto_now=True)

    class Meta:
        table = "delivery"
        ordering = ["created_at", "id"]
        indexes = (("status", "next_attempt_at"), ("agreement_id",), ("external_id",))
        constraints = (
            CheckConstraint(check=sql_in("channel", DeliveryChannel), name="ck_delivery_channel"),
            CheckConstraint(check=sql_in("status", DeliveryStatus), name="ck_delivery_status"),
        )
