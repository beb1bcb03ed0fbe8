"""Finding a customer by one text: a CPF/CNPJ (whole, formatted or a prefix of 4+ digits), a
name fragment (without regard to accents or case), a phone in any Brazilian format, or the
billing system's external id.

Exact matches (document, phone, external id) come first, then the fragment's matches in name
order. Every query uses an index: the document's unique index (a prefix is a range on it), the
phone's index on its E.164 key, and customer.search_name (migration 0016: a pg_trgm GIN index on
PostgreSQL, so `LIKE '%fragment%'` is indexed; on SQLite it reads the narrow name index).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from models import Customer, CustomerPhone, Receivable
from models.customers import search_key
from models.enums import ReceivableStatus
from negotiation.documents import format_document
from negotiation.errors import InvalidInput
from negotiation.phones import lookup_phone, national_format

MIN_LENGTH = 2
MAX_LIMIT = 100
MIN_PREFIX = 4
_DIGITS_ONLY = re.compile(r"[\d\s.\-/()+]+")


@dataclass(frozen=True)
class CustomerHit:
    id: int
    name: str
    document: str  # formatted: 529.982.247-25 / 11.222.333/0001-81
    phone: str | None  # the first phone, national format: (19) 98888-7777
    city: str | None
    state: str | None
    open_debt: Decimal  # sum of the open receivables


@dataclass(frozen=True)
class CustomerResults:
    items: list[CustomerHit]
    total: int


async def _exact_ids(text: str, digits: str | None) -> list[int]:
    """Ids found by the document, a phone or the external id, in that order, without repeats."""
    found: list[int] = []
    if digits is not None and len(digits) in (11, 14):
        found += await Customer.filter(document=digits).values_list("id", flat=True)
    if digits is not None and (key := lookup_phone(text)) is not None:
        found += (
            await CustomerPhone.filter(number=key)
            .order_by("customer_id")
            .values_list("customer_id", flat=True)
        )
    found += await Customer.filter(external_id=text).values_list("id", flat=True)
    return list(dict.fromkeys(found))


def _broad(text: str, digits: str | None) -> QuerySet[Customer] | None:
    """The fragment's matches: a document prefix or a piece of the name; None if neither."""
    if digits is not None:
        if MIN_PREFIX <= len(digits) < 14:
            # A range on the unique index, the same on SQLite and PostgreSQL: "5299" finds
            # "5299" <= document < "5300". Digits only, so no collation reorders the bounds.
            query = Customer.filter(document__gte=digits)
            if digits.strip("9"):
                upper = str(int(digits) + 1).zfill(len(digits))
                query = query.filter(document__lt=upper)
            return query
        return None
    key = search_key(text)
    if len(key) < MIN_LENGTH:
        return None
    return Customer.filter(search_name__contains=key)


async def search_customers(q: str | None, *, limit: int = 20, offset: int = 0) -> CustomerResults:
    """One page of the customers `q` finds, and how many it finds in all.

    Refuses (InvalidInput) a text shorter than 2 characters: it would match everyone."""
    text = " ".join((q or "").split())
    if len(text) < MIN_LENGTH:
        raise InvalidInput(
            "busca: digite ao menos 2 caracteres (CPF/CNPJ, nome, telefone ou código do cliente)"
        )
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    digits = re.sub(r"\D", "", text) if _DIGITS_ONLY.fullmatch(text) else None
    if digits == "":
        digits = None

    exact = await _exact_ids(text, digits)
    broad = _broad(text, digits)
    if broad is not None and exact:
        broad = broad.exclude(id__in=exact)
    total = len(exact) + (await broad.count() if broad is not None else 0)

    page_ids = exact[offset : offset + limit]
    room = limit - len(page_ids)
    if broad is not None and room > 0:
        page_ids += (
            await broad.order_by("search_name", "id")
            .offset(max(0, offset - len(exact)))
            .limit(room)
            .values_list("id", flat=True)
        )
    return CustomerResults(items=await _hits(page_ids), total=total)


async def _hits(ids: list[int]) -> list[CustomerHit]:
    if not ids:
        return []
    customers = {c.id: c for c in await Customer.filter(id__in=ids)}
    phones: dict[int, str] = {}
    for customer_id, number in (
        await CustomerPhone.filter(customer_id__in=ids)
        .order_by("-customer_id", "-id")
        .values_list("customer_id", "number")
    ):
        phones[customer_id] = number  # the last written wins: the lowest id, the first phone
    debts = dict(
        await Receivable.filter(customer_id__in=ids, status=ReceivableStatus.OPEN)
        .annotate(total=Sum("amount"))
        .group_by("customer_id")
        .values_list("customer_id", "total")
    )
    hits = []
    for customer_id in ids:
        c = customers[customer_id]
        phone = phones.get(customer_id)
        hits.append(
            CustomerHit(
                id=c.id,
                name=c.name,
                document=format_document(c.document),
                phone=national_format(phone) if phone else None,
                city=c.city,
                state=c.state,
                open_debt=Decimal(debts.get(customer_id) or 0),
            )
        )
    return hits
