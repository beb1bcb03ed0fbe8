"""Collection rules (Regra de Cobrança) with their filters, actions and linked conditions."""

from __future__ import annotations

import json

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.conditions import PaymentCondition
from models.enums import ActionKind, FilterField, FilterOperator, sql_in
from models.fields import Timestamp, money, ordered


class CollectionRule(Model):
    id = fields.IntField(primary_key=True)
    active = fields.BooleanField(default=False)
    description = fields.CharField(max_length=120)
    general = fields.BooleanField(default=True)
    priority = fields.IntField(default=0)
    minutes_per_call = fields.IntField(default=5)
    # The robot's retries: after no answer, busy, failure or voicemail, call again this many
    # minutes later, up to this many calls in all.
    retry_minutes = fields.IntField(default=120, db_default=120)
    max_attempts = fields.IntField(default=3, db_default=3)
    notes = fields.TextField(null=True)
    # Valores de Cobrança: bounds on the customer's total debt that enters the list.
    amount_min = money(null=True)
    amount_max = money(null=True)
    created_at = Timestamp(auto_now_add=True)
    updated_at = Timestamp(auto_now=True)

    conditions: fields.ManyToManyRelation[PaymentCondition] = fields.ManyToManyField(
        "models.PaymentCondition",
        related_name="rules",
        through="collection_rule_condition",
        forward_key="condition_id",
        backward_key="rule_id",
    )
    filters: fields.ReverseRelation[RuleFilter]
    actions: fields.ReverseRelation[CollectionAction]

    class Meta:
        table = "collection_rule"
        ordering = ["-priority", "id"]
        constraints = (
            CheckConstraint(check="minutes_per_call >= 1", name="ck_rule_minutes"),
            CheckConstraint(check=ordered("amount_min", "amount_max"), name="ck_rule_amounts"),
        )

    def __str__(self) -> str:
        return self.description


class RuleFilter(Model):
    """Grupo de Cobrança: a field, operator and value line (the value is JSON)."""

    id = fields.IntField(primary_key=True)
    rule: fields.ForeignKeyRelation[CollectionRule] = fields.ForeignKeyField(
        "models.CollectionRule", related_name="filters", on_delete=fields.CASCADE
    )
    position = fields.IntField(default=0)
    field = fields.CharEnumField(FilterField, max_length=20)
    operator = fields.CharEnumField(FilterOperator, max_length=10)
    value = fields.JSONField()

    @classmethod
    def line(cls, rule: CollectionRule, position: int, field, operator, value) -> RuleFilter:
        """A filter line ready to save. Tortoise's JSONField takes a str as JSON text already
        encoded, so a plain text value is encoded here, once, for every writer."""
        made = cls(rule=rule, position=position, field=field, operator=operator)
        made.value = json.dumps(value) if isinstance(value, str) else value
        return made

    class Meta:
        table = "rule_filter"
        ordering = ["rule_id", "position", "id"]
        constraints = (
            CheckConstraint(check=sql_in("field", FilterField), name="ck_filter_field"),
            CheckConstraint(check=sql_in("operator", FilterOperator), name="ck_filter_operator"),
        )


class CollectionAction(Model):
    """Ações de Cobrança: an automatic task of the rule (e-mail, SMS, Telegram, robot call)."""

    id = fields.IntField(primary_key=True)
    rule: fields.ForeignKeyRelation[CollectionRule] = fields.ForeignKeyField(
        "models.CollectionRule", related_name="actions", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ActionKind, max_length=20)
    # Fires when the customer's oldest bill is this many days late (None: on every run).
    days_late = fields.IntField(null=True)
    template = fields.CharField(max_length=80, null=True)
    # The message an e-mail, SMS or Telegram action sends (a template of the same channel).
    message_template = fields.ForeignKeyField(
        "models.MessageTemplate", related_name="actions", null=True, on_delete=fields.RESTRICT
    )
    active = fields.BooleanField(default=True)

    class Meta:
        table = "collection_action"
        ordering = ["rule_id", "id"]
        constraints = (
            CheckConstraint(check=sql_in("kind", ActionKind), name="ck_action_kind"),
            CheckConstraint(check="days_late IS NULL OR days_late >= 0", name="ck_action_days"),
        )
