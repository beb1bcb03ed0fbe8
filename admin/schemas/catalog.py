"""The small catalogs: Status de cobrança, tipos de resultado e de contato, escritórios."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from admin.schemas.base import Body, Name, Out
from models.enums import (
    ContactKind,
    ResultKind,
)
from negotiation.documents import normalize_document
from negotiation.errors import InvalidInput


class CollectionStatusIn(Body):
    name: Name
    allows_receipt: bool = False
    active: bool = True


class CollectionStatusOut(Out, CollectionStatusIn):
    id: int


class ResultTypeIn(Body):
    name: Name
    kind: ResultKind = ResultKind.OTHER
    active: bool = True


class ResultTypeOut(Out, ResultTypeIn):
    id: int


class ContactTypeIn(Body):
    name: Name
    kind: ContactKind = ContactKind.PHONE
    active: bool = True


class ContactTypeOut(Out, ContactTypeIn):
    id: int


class AgencyIn(Body):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    cnpj: Annotated[str | None, Field(max_length=20)] = None
    email: Annotated[str | None, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] = (
        None
    )
    phone: Annotated[str | None, Field(max_length=20)] = None
    contact_name: Annotated[str | None, Field(max_length=120)] = None
    active: bool = True

    @field_validator("cnpj")
    @classmethod
    def _cnpj(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            digits = normalize_document(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
        if len(digits) != 14:
            raise ValueError("um escritório de cobrança tem CNPJ, não CPF")
        return digits


class AgencyOut(Out, AgencyIn):
    id: int
