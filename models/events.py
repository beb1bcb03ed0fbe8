"""The outbox of events for the ISP's billing system, written in the same transaction as the
change they announce, and delivered (signed, retried) afterwards."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.enums import EventStatus
from models.fields import Timestamp


class OutboundEvent(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=40)  # agreement.created, installment.paid, ...
    payload = fields.JSONField()
    status = fields.CharEnumField(EventStatus, max_length=10, default=EventStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_error = fields.TextField(null=True)
    created_at = Timestamp(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbound_event"
        ordering = ["id"]
        indexes = (("status", "next_attempt_at"),)
