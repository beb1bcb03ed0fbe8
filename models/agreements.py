"""Agreements (Acordos): the accepted offer. Its installments are new receivables."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import AgreementStatus, Channel, sql_in
from models.fields import Timestamp, money, num, percent, positive


class Agreement(Model):
    id = fields.IntField(primary_key=True)
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="agreements", on_delete=fields.RESTRICT
    )
    condition = fields.ForeignKeyField(
        "models.PaymentCondition", related_name="agreements", on_delete=fields.RESTRICT
    )
    # The option may be edited or removed later; its terms are copied below.
    option = fields.ForeignKeyField(
        "models.InstallmentOption", related_name="agreements", null=True, on_delete=fields.SET_NULL
    )
    as_of = fields.DateField()
    installments_count = fields.IntField()
    days_between = fields.IntField()
    interest_discount_pct = percent()
    debt_discount_pct = percent()
    principal = money()
    fine = money()
    interest = money()  # before its discount
    interest_discount = money()
    debt_discount = money()
    total = money()
    down_payment = money(null=True)
    channel = fields.CharEnumField(Channel, max_length=12)
    created_by = fields.ForeignKeyField(
        "models.User", related_name="agreements", null=True, on_delete=fields.SET_NULL
    )
    created_at = Timestamp(auto_now_add=True)
    status = fields.CharEnumField(AgreementStatus, max_length=12, default=AgreementStatus.ACTIVE)
    status_changed_at = fields.DatetimeField(null=True)
    # Consecutive installments missed past the tolerance (the break policy counts them; a
    # payment starts the count again).
    misses = fields.IntField(default=0, db_default=0)
    notes = fields.TextField(null=True)

    originals: fields.ReverseRelation[AgreementReceivable]

    class Meta:
        table = "agreement"
        ordering = ["-created_at", "-id"]
        indexes = (("customer_id", "status"),)
        constraints = (
            CheckConstraint(check=sql_in("status", AgreementStatus), name="ck_agreement_status"),
            CheckConstraint(check=sql_in("channel", Channel), name="ck_agreement_channel"),
            CheckConstraint(check="installments_count >= 1", name="ck_agreement_installments"),
            CheckConstraint(
                check=positive("principal", "total")
                + " AND "
                + positive(
                    "fine", "interest", "interest_discount", "debt_discount", allow_zero=True
                ),
                name="ck_agreement_amounts",
            ),
            CheckConstraint(
                check=f"down_payment IS NULL OR ({positive('down_payment')} "
                f"AND {num('down_payment')} <= {num('total')})",
                name="ck_agreement_down_payment",
            ),
        )


class AgreementReceivable(Model):
    """An original receivable of an agreement, with the charges computed for it that day."""

    id = fields.IntField(primary_key=True)
    agreement = fields.ForeignKeyField(
        "models.Agreement", related_name="originals", on_delete=fields.CASCADE
    )
    receivable = fields.ForeignKeyField(
        "models.Receivable", related_name="agreement_links", on_delete=fields.RESTRICT
    )
    amount = money()
    days_late = fields.IntField()
    fine = money()
    interest = money()

    class Meta:
        table = "agreement_receivable"
        unique_together = (("agreement", "receivable"),)
