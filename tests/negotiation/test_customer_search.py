"""Finding a customer by one text: document, name, phone or external id (both databases)."""

from __future__ import annotations

from datetime import date

import pytest

from models import Customer, CustomerPhone
from negotiation.customer_search import search_customers
from negotiation.errors import InvalidInput
from negotiation.importing import import_customers
from tests.factories import make_customer, make_receivable

CPF = "52998224725"


@pytest.fixture
async def people(each_db):
    joao = await make_customer(name="JOÃO PEREIRA", document=CPF, external_id="ERP-77")
    await CustomerPhone.create(customer=joao, number="+5519988887777")
    await make_receivable(joao, date(2026, 10, 1), "120.50")
    await make_receivable(joao, date(2026, 11, 1), "79.50")
    maria = await make_customer(name="Maria Conceição", document="11222333000181")
    await CustomerPhone.create(customer=maria, number="+551933334444")
    return joao, maria


def ids(results) -> list[int]:
    return [hit.id for hit in results.items]


@pytest.mark.parametrize("q", [CPF, "529.982.247-25", "5299", " 529.982 "])
async def test_by_document_whole_formatted_or_prefix(people, q):
    joao, _ = people
    found = await search_customers(q)
    assert ids(found) == [joao.id] and found.total == 1


async def test_cnpj_formatted(people):
    _, maria = people
    assert ids(await search_customers("11.222.333/0001-81")) == [maria.id]


@pytest.mark.parametrize("q", ["joao", "JOAO", "João", "pereira", "ão pere"])
async def test_by_name_fragment_without_accents_or_case(people, q):
    joao, _ = people
    assert ids(await search_customers(q)) == [joao.id]


async def test_accents_in_the_query_and_the_name(people):
    _, maria = people
    assert ids(await search_customers("conceicao")) == [maria.id]
    assert ids(await search_customers("CONCEIÇÃO")) == [maria.id]


@pytest.mark.parametrize(
    "q", ["+55 19 98888-7777", "(19) 98888-7777", "19988887777", "5519988887777", "19 988887777"]
)
async def test_by_phone_in_any_format(people, q):
    joao, _ = people
    assert ids(await search_customers(q)) == [joao.id]


async def test_by_landline(people):
    _, maria = people
    assert ids(await search_customers("(19) 3333-4444")) == [maria.id]


async def test_by_external_id(people):
    joao, _ = people
    assert ids(await search_customers("ERP-77")) == [joao.id]


async def test_the_hit_carries_what_a_list_shows(people):
    hit = (await search_customers(CPF)).items[0]
    assert hit.name == "JOÃO PEREIRA"
    assert hit.document == "529.982.247-25"
    assert hit.phone == "(19) 98888-7777"
    assert (hit.city, hit.state) == ("Campinas", "SP")
    assert str(hit.open_debt) == "200.00"


async def test_exact_match_comes_before_name_matches(each_db):
    # A name that holds the other's external id: the exact one is first anyway.
    await make_customer(name="AAA SILVA x-9")
    exact = await make_customer(name="ZZZ Souza", external_id="SILVA X-9")
    found = await search_customers("SILVA X-9")
    assert ids(found)[0] == exact.id and found.total == 2


async def test_totals_and_paging(each_db):
    made = [await make_customer(name=f"Silva {n:02d}") for n in range(7)]
    await make_customer(name="Outro Nome")
    first = await search_customers("silva", limit=3)
    assert first.total == 7 and ids(first) == [c.id for c in made[:3]]
    last = await search_customers("silva", limit=3, offset=6)
    assert last.total == 7 and ids(last) == [made[6].id]
    assert (await search_customers("silva", limit=3, offset=9)).items == []


async def test_nothing_found(people):
    found = await search_customers("ninguém")
    assert found.items == [] and found.total == 0


@pytest.mark.parametrize("q", ["", " ", "a", None])
async def test_too_short_is_refused_in_portuguese(each_db, q):
    with pytest.raises(InvalidInput, match="ao menos 2 caracteres"):
        await search_customers(q)


async def test_name_key_follows_every_write(each_db):
    customer = await make_customer(name="Zé Ninguém")
    customer.name = "Ângela Gonçalves"
    await customer.save()
    assert ids(await search_customers("angela goncalves")) == [customer.id]
    assert ids(await search_customers("ninguem")) == []
    report = await import_customers(
        [{"external_id": "IMP-1", "name": "Érica Müller", "document": "11144477735"}]
    )
    assert report.created == 1
    stored = await Customer.get(external_id="IMP-1")
    assert ids(await search_customers("erica muller")) == [stored.id]
    await import_customers(
        [{"external_id": "IMP-1", "name": "Érica Souza", "document": "11144477735"}]
    )
    assert ids(await search_customers("erica souza")) == [stored.id]


async def test_a_prefix_finds_exactly_the_documents_it_starts(each_db):
    inside = [await make_customer(document=d) for d in ("12990000000", "12999999999")]
    await make_customer(document="13000000000")
    await make_customer(document="12989999999")
    top = await make_customer(document="99990000000")
    found = await search_customers("1299")
    assert sorted(ids(found)) == sorted(c.id for c in inside) and found.total == 2
    assert ids(await search_customers("9999")) == [top.id]
