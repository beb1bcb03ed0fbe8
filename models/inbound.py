"""What Telegram and Twilio post to us, kept before it is acted on: a webhook answers only
once its event is on record, so an outage never loses one, and a failed handling is tried
again from the record (`negotiation.inbound_events`)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import sql_in
from models.fields import Timestamp


class InboundSource(StrEnum):
    TELEGRAM = "telegram"  # a bot update, by its update_id
    SMS = "sms"  # an inbound SMS, by its MessageSid
    SMS_STATUS = "sms_status"  # a status callback of an SMS we sent: MessageSid + status
    CALL_STATUS = "call_status"  # a call status callback: CallSid + status (+ sequence)


class InboundStatus(StrEnum):
    PENDING = "pending"  # recorded, not yet handled (or due again after a failed try)
    DONE = "done"  # handled: a redelivery changes nothing
    FAILED = "failed"  # given up after the last try; kept and logged


class InboundEvent(Model):
    id = fields.BigIntField(primary_key=True)
    source = fields.CharEnumField(InboundSource, max_length=12)
    # The provider's own id of the event (text: Telegram's update_id needs no integer range).
    provider_id = fields.CharField(max_length=200)
    payload = fields.JSONField()
    # What the handling answered (an SMS's reply), given again to a redelivery.
    result = fields.JSONField(null=True)
    status = fields.CharEnumField(InboundStatus, max_length=8, default=InboundStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    # Set while one request or job handles the event, so no other does at the same time; a
    # handler that died lets it lapse.
    locked_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    received_at = Timestamp(auto_now_add=True)
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbound_event"
        ordering = ["id"]
        unique_together = (("source", "provider_id"),)
        indexes = (("status", "next_attempt_at"),)
        constraints = (
            CheckConstraint(check=sql_in("source", InboundSource), name="ck_inbound_source"),
            CheckConstraint(check=sql_in("status", InboundStatus), name="ck_inbound_status"),
        )
