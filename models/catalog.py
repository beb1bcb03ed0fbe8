"""The small lists attendants configure: Status Serasa, result types, contact types, agencies."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import ContactKind, ResultKind, sql_in


class CollectionStatus(Model):
    """Status Serasa: written on the receivables after a contact."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    # Permite Gerar Recibo
    allows_receipt = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "collection_status"
        ordering = ["name"]


class ResultType(Model):
    """Tipo de Resultado: the outcome of a contact."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    kind = fields.CharEnumField(ResultKind, max_length=20, default=ResultKind.OTHER)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "result_type"
        ordering = ["name"]
        constraints = (CheckConstraint(check=sql_in("kind", ResultKind), name="ck_result_kind"),)


class ContactType(Model):
    """Tipo de Contato."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    kind = fields.CharEnumField(ContactKind, max_length=20, default=ContactKind.PHONE)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "contact_type"
        ordering = ["name"]
        constraints = (CheckConstraint(check=sql_in("kind", ContactKind), name="ck_contact_kind"),)


class Agency(Model):
    """Fornecedor / Escritório de Cobrança: an outside office that receives exported lists."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    cnpj = fields.CharField(max_length=14, null=True, unique=True)
    email = fields.CharField(max_length=254, null=True)
    phone = fields.CharField(max_length=20, null=True)
    contact_name = fields.CharField(max_length=120, null=True)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "agency"
        ordering = ["name"]
