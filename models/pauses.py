"""Collection of a debtor's debt paused: they said it is paid (a receipt is being checked) or
that they do not recognise it (a dispute). While a pause lasts, the contact gate refuses
every collection contact (negotiation/debt_pauses.py)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import Channel, sql_in
from models.fields import Timestamp


class PauseReason(StrEnum):
    PAID = "paid"  # "já paguei", and the ledger shows no payment
    DISPUTE = "dispute"  # "não reconheço essa dívida"


class DebtPause(Model):
    id = fields.IntField(primary_key=True)
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="pauses", on_delete=fields.CASCADE
    )
    reason = fields.CharEnumField(PauseReason, max_length=10)
    starts_on = fields.DateField()
    ends_on = fields.DateField()  # the first day collection may resume
    channel = fields.CharEnumField(Channel, max_length=12)
    ticket = fields.ForeignKeyField(
        "models.ServiceTicket", related_name="pauses", null=True, on_delete=fields.SET_NULL
    )
    created_at = Timestamp(auto_now_add=True)

    class Meta:
        table = "debt_pause"
        ordering = ["-ends_on", "-id"]
        indexes = (("customer_id", "ends_on"),)
        constraints = (
            CheckConstraint(check=sql_in("reason", PauseReason), name="ck_pause_reason"),
            CheckConstraint(check="ends_on > starts_on", name="ck_pause_dates"),
        )
