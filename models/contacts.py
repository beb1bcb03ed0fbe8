"""Every contact with a debtor, on any channel and by any actor: the contact budget
(DESIGN.md §7) counts these, and the console shows them."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import Channel, ContactActor, ContactOutcome, MessageDirection, sql_in
from models.fields import Timestamp


class ContactAttempt(Model):
    id = fields.IntField(primary_key=True)
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="contacts", on_delete=fields.CASCADE
    )
    channel = fields.CharEnumField(Channel, max_length=12)
    actor = fields.CharEnumField(ContactActor, max_length=10)
    # Outbound contacts count against the budget; the ones the debtor starts do not.
    direction = fields.CharEnumField(MessageDirection, max_length=3)
    outcome = fields.CharEnumField(ContactOutcome, max_length=14, default=ContactOutcome.ATTEMPTED)
    entry = fields.ForeignKeyField(
        "models.CampaignEntry", related_name="contacts", null=True, on_delete=fields.SET_NULL
    )
    user = fields.ForeignKeyField(
        "models.User", related_name="contacts", null=True, on_delete=fields.SET_NULL
    )
    note = fields.CharField(max_length=255, null=True)
    created_at = Timestamp(auto_now_add=True)

    class Meta:
        table = "contact_attempt"
        ordering = ["-created_at", "-id"]
        indexes = (("customer_id", "created_at"),)
        constraints = (
            CheckConstraint(check=sql_in("channel", Channel), name="ck_contact_channel"),
            CheckConstraint(check=sql_in("actor", ContactActor), name="ck_contact_actor"),
            CheckConstraint(check=sql_in("direction", MessageDirection), name="ck_contact_dir"),
            CheckConstraint(check=sql_in("outcome", ContactOutcome), name="ck_contact_outcome"),
        )
