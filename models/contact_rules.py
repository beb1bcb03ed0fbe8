"""The contact gate's data (DESIGN.md §7): the calling window of each state and the ISP's
extra holidays, both edited in the console, and why a contact was refused or postponed."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import Channel, ContactActor, RefusalReason, sql_in
from models.fields import Timestamp


class ContactWindow(Model):
    """A state's calling window, replacing DESIGN.md §7's default for that state (UF).
    No Saturday hours: no contact on Saturdays. Never on Sundays. Times are local "HH:MM"
    (text: a wall-clock time has no zone, and Tortoise's TimeField gives it one)."""

    id = fields.IntField(primary_key=True)
    state = fields.CharField(max_length=2, unique=True)
    weekday_start = fields.CharField(max_length=5)
    weekday_end = fields.CharField(max_length=5)
    saturday_start = fields.CharField(max_length=5, null=True)
    saturday_end = fields.CharField(max_length=5, null=True)
    updated_at = Timestamp(auto_now=True)

    class Meta:
        table = "contact_window"
        ordering = ["state"]


class Holiday(Model):
    """A day without contact besides the national and state holidays the `holidays` package
    knows: a municipal holiday (`city` set) or a state-wide one of the ISP's list."""

    id = fields.IntField(primary_key=True)
    day = fields.DateField()
    state = fields.CharField(max_length=2)
    city = fields.CharField(max_length=80, null=True)
    # The city without accents, lower-case: how a debtor's `Customer.city` is matched.
    city_key = fields.CharField(max_length=80, default="")
    name = fields.CharField(max_length=80)
    created_at = Timestamp(auto_now_add=True)

    class Meta:
        table = "holiday"
        ordering = ["day", "state", "city", "id"]
        unique_together = (("day", "state", "city_key"),)


class ContactRefusal(Model):
    """One refused or postponed contact, as the gate decided it (`decide`). A refusal that
    repeats the debtor's last one is not stored again."""

    id = fields.IntField(primary_key=True)
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="refusals", on_delete=fields.CASCADE
    )
    entry = fields.ForeignKeyField(
        "models.CampaignEntry", related_name="refusals", null=True, on_delete=fields.SET_NULL
    )
    rule = fields.ForeignKeyField(
        "models.CollectionRule", related_name="refusals", null=True, on_delete=fields.SET_NULL
    )
    channel = fields.CharEnumField(Channel, max_length=12)
    actor = fields.CharEnumField(ContactActor, max_length=10)
    kind = fields.CharField(max_length=10)  # call, message, reminder, reply
    reason = fields.CharEnumField(RefusalReason, max_length=16)
    detail = fields.CharField(max_length=255)  # the gate's sentence (pt-BR)
    retry_at = fields.DatetimeField(null=True)  # set: postponed; None: refused
    created_at = Timestamp(auto_now_add=True)

    class Meta:
        table = "contact_refusal"
        ordering = ["-created_at", "-id"]
        indexes = (("customer_id", "id"), ("entry_id", "id"), ("rule_id", "channel"))
        constraints = (
            CheckConstraint(check=sql_in("channel", Channel), name="ck_refusal_channel"),
            CheckConstraint(check=sql_in("actor", ContactActor), name="ck_refusal_actor"),
            CheckConstraint(check=sql_in("reason", RefusalReason), name="ck_refusal_reason"),
        )
