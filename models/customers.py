"""Customers (the debtors) and their receivables (Contas a Receber)."""

from __future__ import annotations

import unicodedata
from typing import Any

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.catalog import CollectionStatus
from models.enums import ReceivableStatus, sql_in
from models.fields import Timestamp, money, positive

# Honorifics that may precede a name in the ISP's records (with or without the dot).
NAME_TITLES = frozenset(
    {"sr", "sra", "srta", "dr", "dra", "prof", "profa", "eng", "sr(a)", "pe", "exmo", "exma"}
    | {"senhor", "senhora", "doutor", "doutora", "professor", "professora"}
)


def search_key(text: str) -> str:
    """What a name is searched by: no accents, lower case, single spaces ("JOÃO  Pereira" ->
    "joao pereira"), so "joao" finds "JOÃO PEREIRA" with a plain LIKE on every database."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


class Customer(Model):
    id = fields.IntField(primary_key=True)
    external_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=160)
    # `search_key(name)`, kept by __init__ and save() (bulk_create and imports build instances,
    # so they carry it too); indexed for the customer search (migration 0016).
    search_name = fields.CharField(max_length=160, default="", db_default="")
    # Digits only, checked with validate-docbr before it gets here (negotiation.documents).
    document = fields.CharField(max_length=14, unique=True)
    birth_date = fields.DateField(null=True)
    email = fields.CharField(max_length=254, null=True)
    city = fields.CharField(max_length=80, null=True)
    state = fields.CharField(max_length=2, null=True)
    plan = fields.CharField(max_length=80, null=True)
    status = fields.CharField(max_length=30, default="active")
    telegram_chat_id = fields.BigIntField(null=True, unique=True)
    # Opt-outs: `opted_out_at` silences every channel; the flags silence one each.
    opted_out_at = fields.DatetimeField(null=True)
    no_calls = fields.BooleanField(default=False)
    no_sms = fields.BooleanField(default=False)
    no_email = fields.BooleanField(default=False)
    no_telegram = fields.BooleanField(default=False)
    created_at = Timestamp(auto_now_add=True)
    updated_at = Timestamp(auto_now=True)

    phones: fields.ReverseRelation[CustomerPhone]
    receivables: fields.ReverseRelation[Receivable]

    class Meta:
        table = "customer"
        ordering = ["name", "id"]
        indexes = (("city",), ("state",), ("plan",), ("search_name",))
        constraints = (
            CheckConstraint(
                check="length(document) = 11 OR length(document) = 14", name="ck_customer_document"
            ),
        )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.search_name = search_key(self.name or "")

    async def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name = search_key(self.name or "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_name"]
        await super().save(*args, **kwargs)

    @property
    def first_name(self) -> str:
        """How messages greet the debtor: "MARIA DA SILVA" -> "Maria"; a title before the
        name is skipped ("Dr. Josué Souza" -> "Josué"), so nobody is greeted "Dr."."""
        words = self.name.split()
        given = next((w for w in words if w.rstrip(".").lower() not in NAME_TITLES), None)
        return (given or (words[0] if words else "")).title()

    @property
    def document_kind(self) -> str:
        return "cpf" if len(self.document) == 11 else "cnpj"

    def __str__(self) -> str:
        return self.name


class CustomerPhone(Model):
    """One phone of a customer, in E.164 (+5519988887777), matched against caller IDs."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="phones", on_delete=fields.CASCADE
    )
    number = fields.CharField(max_length=20, db_index=True)
    label = fields.CharField(max_length=20, default="mobile")

    class Meta:
        table = "customer_phone"
        unique_together = (("customer", "number"),)


class Receivable(Model):
    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="receivables", on_delete=fields.RESTRICT
    )
    # The billing system's id; agreement installments we generate have none.
    external_id = fields.CharField(max_length=64, null=True, unique=True)
    issue_date = fields.DateField()
    due_date = fields.DateField()
    amount = money()
    billing_method = fields.CharField(max_length=30, default="boleto")
    status = fields.CharEnumField(ReceivableStatus, max_length=12, default=ReceivableStatus.OPEN)
    collection_status: fields.ForeignKeyNullableRelation[CollectionStatus] = fields.ForeignKeyField(
        "models.CollectionStatus",
        related_name="receivables",
        null=True,
        on_delete=fields.RESTRICT,
    )
    paid_at = fields.DatetimeField(null=True)
    # Set on installments: the agreement this receivable came from, and which payment it is.
    agreement = fields.ForeignKeyField(
        "models.Agreement", related_name="installments", null=True, on_delete=fields.RESTRICT
    )
    installment_number = fields.IntField(null=True)
    # When the debtor was last reminded of this installment's due date (chat channels).
    reminded_at = fields.DatetimeField(null=True)
    created_at = Timestamp(auto_now_add=True)
    updated_at = Timestamp(auto_now=True)

    class Meta:
        table = "receivable"
        ordering = ["due_date", "id"]
        indexes = (("customer_id", "status"), ("status", "due_date"))
        unique_together = (("agreement", "installment_number"),)
        constraints = (
            CheckConstraint(check=positive("amount"), name="ck_receivable_amount"),
            CheckConstraint(check=sql_in("status", ReceivableStatus), name="ck_receivable_status"),
            CheckConstraint(check="due_date >= issue_date", name="ck_receivable_dates"),
            CheckConstraint(
                check="(agreement_id IS NULL) = (installment_number IS NULL)",
                name="ck_receivable_installment",
            ),
            CheckConstraint(
                check="(status = 'paid') = (paid_at IS NOT NULL)", name="ck_receivable_paid"
            ),
        )
