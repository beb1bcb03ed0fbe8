"""Payment conditions (Condição de Pagamento) and their installment options (Parcelamentos)."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import BreakAction
from models.fields import Timestamp, money, ordered, percent, positive, within_percent


class PaymentCondition(Model):
    id = fields.IntField(primary_key=True)
    active = fields.BooleanField(default=True)
    # Padrão: the default condition always shows in the call list, never linked to a rule.
    is_default = fields.BooleanField(default=False)
    description = fields.CharField(max_length=120)
    amount_min = money(null=True)
    amount_max = money(null=True)
    days_to_first_due = fields.IntField(default=0)
    overdue_days_min = fields.IntField(null=True)
    overdue_days_max = fields.IntField(null=True)
    billing_method_filter = fields.CharField(max_length=30, null=True)
    billing_method_generate = fields.CharField(max_length=30, default="boleto")
    interest_pct = percent(default=0)
    fine_pct = percent(default=0)
    min_installment_amount = money(null=True)
    # Agreement breaks: days of tolerance after a missed due date, what happens then, and how
    # many consecutive misses cancel the agreement even when misses move to the end.
    tolerance_days = fields.IntField(default=5, db_default=5)
    break_action = fields.CharEnumField(
        BreakAction, max_length=12, default=BreakAction.CANCEL, db_default="cancel"
    )
    misses_to_cancel = fields.IntField(default=2, db_default=2)
    created_at = Timestamp(auto_now_add=True)
    updated_at = Timestamp(auto_now=True)

    options: fields.ReverseRelation[InstallmentOption]

    class Meta:
        table = "payment_condition"
        ordering = ["id"]
        constraints = (
            CheckConstraint(
                check=within_percent("interest_pct", "fine_pct"), name="ck_condition_pcts"
            ),
            CheckConstraint(check=ordered("amount_min", "amount_max"), name="ck_condition_amounts"),
            CheckConstraint(
                check=ordered("overdue_days_min", "overdue_days_max"), name="ck_condition_overdue"
            ),
            CheckConstraint(check="days_to_first_due >= 0", name="ck_condition_first_due"),
            CheckConstraint(
                check="min_installment_amount IS NULL OR " + positive("min_installment_amount"),
                name="ck_condition_min_installment",
            ),
        )

    def __str__(self) -> str:
        return self.description


class InstallmentOption(Model):
    id = fields.IntField(primary_key=True)
    condition: fields.ForeignKeyRelation[PaymentCondition] = fields.ForeignKeyField(
        "models.PaymentCondition", related_name="options", on_delete=fields.CASCADE
    )
    position = fields.IntField(default=0)
    installments = fields.IntField()
    days_between = fields.IntField(default=0)
    interest_discount_pct = percent(default=0)
    debt_discount_pct = percent(default=0)
    min_down_payment_pct = percent(default=0)

    class Meta:
        table = "installment_option"
        ordering = ["condition_id", "position", "id"]
        unique_together = (("condition", "position"),)
        constraints = (
            CheckConstraint(
                check="installments >= 1 AND installments <= 360", name="ck_option_installments"
            ),
            CheckConstraint(check="days_between >= 0", name="ck_option_days_between"),
            CheckConstraint(
                check=within_percent(
                    "interest_discount_pct", "debt_discount_pct", "min_down_payment_pct"
                ),
                name="ck_option_pcts",
            ),
        )
