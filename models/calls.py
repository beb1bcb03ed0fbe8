"""Phone calls (robot and inbound): when, how long, outcome, keys pressed, agreement made, and
the state of the voice dialog between Twilio's webhooks."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import CallDirection, CallStatus, ContactOutcome, sql_in
from models.fields import Timestamp


class Call(Model):
    id = fields.IntField(primary_key=True)
    # Twilio's CallSid; empty for the moment between leasing an entry and Twilio's answer.
    sid = fields.CharField(max_length=64, null=True, unique=True)
    direction = fields.CharEnumField(CallDirection, max_length=10)
    status = fields.CharEnumField(CallStatus, max_length=12, default=CallStatus.QUEUED)
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="calls", null=True, on_delete=fields.SET_NULL
    )
    entry = fields.ForeignKeyField(
        "models.CampaignEntry", related_name="calls", null=True, on_delete=fields.SET_NULL
    )
    from_number = fields.CharField(max_length=20, default="")
    to_number = fields.CharField(max_length=20, default="")
    # What answered (Twilio's AnsweredBy): human, machine_start, machine_end_beep, fax, unknown.
    answered_by = fields.CharField(max_length=24, null=True)
    # The voice dialog: its step, its data, how many times the question was repeated.
    step = fields.CharField(max_length=40, default="start")
    data = fields.JSONField(default=dict)
    silences = fields.IntField(default=0)
    keys = fields.JSONField(default=list)  # every key or phrase, in order
    outcome = fields.CharEnumField(ContactOutcome, max_length=14, null=True)
    agreement = fields.ForeignKeyField(
        "models.Agreement", related_name="calls", null=True, on_delete=fields.SET_NULL
    )
    created_at = Timestamp(auto_now_add=True)
    answered_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    duration_seconds = fields.IntField(null=True)
    updated_at = Timestamp(auto_now=True)

    @property
    def closed_without_status(self) -> str | None:
        """Why the call was closed as failed when its final status never came (call_sweeper)."""
        return (self.data or {}).get("closed_without_status")

    class Meta:
        table = "call"
        ordering = ["-created_at", "-id"]
        indexes = (("customer_id", "created_at"), ("entry_id",), ("status",))
        constraints = (
            CheckConstraint(check=sql_in("direction", CallDirection), name="ck_call_direction"),
            CheckConstraint(check=sql_in("status", CallStatus), name="ck_call_status"),
        )


class DialLease(Model):
    """The robot dialer's hold on one debtor, across every campaign: one dialer process, one
    entry and one call at a time. Taken by inserting the row (the unique customer refuses a
    second dialer, on PostgreSQL and SQLite alike), given back by deleting it; a lease past
    `until` (a dialer that died) is deleted by the next one that wants the debtor."""

    id = fields.IntField(primary_key=True)
    customer = fields.OneToOneField(
        "models.Customer", related_name="dial_lease", on_delete=fields.CASCADE
    )
    until = fields.DatetimeField()
    worker = fields.CharField(max_length=40, default="")

    class Meta:
        table = "dial_lease"
        indexes = (("until",),)
