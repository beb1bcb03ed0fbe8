"""Failed sign-ins (API token and console), counted per username and per client address
to slow down password guessing. Rows older than the throttle's window are pruned."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class SignInFailure(Model):
    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=150)  # as typed, case-folded: unknown ones too
    address = fields.CharField(max_length=64)  # the client's IP ("" when unknown)
    failed_at = fields.DatetimeField()

    class Meta:
        table = "sign_in_failure"
        table_description = "A failed sign-in, for the sign-in throttle."
        indexes = (
            Index(fields=["username", "failed_at"]),
            Index(fields=["address", "failed_at"]),
            Index(fields=["failed_at"]),
        )
