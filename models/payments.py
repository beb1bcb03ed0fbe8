"""Payments received for receivables (Pix webhook, a bank file, or typed in by the API)."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import PaymentSource, sql_in
from models.fields import Timestamp, money, positive


class Payment(Model):
    id = fields.IntField(primary_key=True)
    receivable = fields.ForeignKeyField(
        "models.Receivable", related_name="payments", on_delete=fields.RESTRICT
    )
    amount = money()
    paid_at = fields.DatetimeField()
    source = fields.CharEnumField(PaymentSource, max_length=12)
    # The payment's own id at its source (Pix endToEndId, bank file line id): a replay of the
    # same payment is recognised and changes nothing.
    external_id = fields.CharField(max_length=64, null=True)
    recorded_by = fields.ForeignKeyField(
        "models.User", related_name="payments", null=True, on_delete=fields.SET_NULL
    )
    # When the debtor was thanked for it (chat channels): each payment is thanked once.
    thanked_at = fields.DatetimeField(null=True)
    created_at = Timestamp(auto_now_add=True)

    class Meta:
        table = "payment"
        ordering = ["paid_at", "id"]
        unique_together = (("source", "external_id"),)
        indexes = (("receivable_id",),)
        constraints = (
            CheckConstraint(check=positive("amount"), name="ck_payment_amount"),
            CheckConstraint(check=sql_in("source", PaymentSource), name="ck_payment_source"),
        )


class PaymentInstrument(Model):
    """The boleto and the PIX code of one receivable (an agreement installment)."""

    id = fields.IntField(primary_key=True)
    receivable = fields.OneToOneField(
        "models.Receivable", related_name="instrument", on_delete=fields.RESTRICT
    )
    bank = fields.CharField(max_length=3)
    our_number = fields.CharField(max_length=20)
    barcode = fields.CharField(max_length=44, unique=True)
    line = fields.CharField(max_length=54)
    pix_payload = fields.TextField()
    # The PIX txid: how a Pix webhook names the installment it pays.
    txid = fields.CharField(max_length=35, unique=True)
    cancelled_at = fields.DatetimeField(null=True)
    created_at = Timestamp(auto_now_add=True)

    class Meta:
        table = "payment_instrument"
        unique_together = (("bank", "our_number"),)
