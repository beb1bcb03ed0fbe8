"""The console's customer search: the top bar's box and the results page."""

from __future__ import annotations

import re

import pytest

from models import CustomerPhone
from models.enums import Role
from tests.factories import make_customer

BOX = 'action="/console/customers"'


@pytest.fixture
async def joao(db):
    customer = await make_customer(name="JOÃO PEREIRA", document="52998224725")
    await CustomerPhone.create(customer=customer, number="+5519988887777")
    return customer


async def test_the_box_is_on_every_page_of_who_may_view_customers(browser, sign_in):
    await sign_in(Role.ATTENDANT)
    for path in ("/console", "/console/campaigns", "/console/inbox"):
        assert BOX in (await browser.get(path)).text, path


async def test_an_agency_has_no_box_and_no_page(browser, sign_in, joao):
    await sign_in(Role.AGENCY)
    assert BOX not in (await browser.get("/console")).text
    answer = await browser.get("/console/customers", params={"q": "joao"})
    assert answer.status_code == 403
    assert "JOÃO PEREIRA" not in answer.text


@pytest.mark.parametrize("q", ["joao", "529.982.247-25", "(19) 98888-7777", "+55 19 988887777"])
async def test_results_link_to_the_customer_page(browser, sign_in, joao, q):
    await sign_in(Role.ATTENDANT)
    answer = await browser.get("/console/customers", params={"q": q})
    assert answer.status_code == 200
    assert f'href="/console/customers/{joao.id}"' in answer.text
    assert "1 cliente encontrado" in answer.text
    assert "529.982.247-25" in answer.text and "(19) 98888-7777" in answer.text
    assert (await browser.get(f"/console/customers/{joao.id}")).status_code == 200


async def test_nothing_found_says_so(browser, sign_in, joao):
    await sign_in(Role.SUPERVISOR)
    answer = await browser.get("/console/customers", params={"q": "ninguém"})
    assert answer.status_code == 200
    assert "0 clientes encontrados" in answer.text and "Nenhum cliente encontrado" in answer.text


async def test_paging_is_in_the_url(browser, sign_in, db):
    made = [await make_customer(name=f"Costa {n:02d}") for n in range(23)]
    await sign_in(Role.ADMIN)
    first = await browser.get("/console/customers", params={"q": "costa"})
    assert "23 clientes encontrados" in first.text and "Página 1 de 2" in first.text
    assert "/console/customers?q=costa&amp;page=2" in first.text
    second = await browser.get("/console/customers", params={"q": "costa", "page": "2"})
    linked = re.findall(r'href="/console/customers/(\d+)"', second.text)
    assert linked == [str(c.id) for c in made[20:]]
    assert "Página 2 de 2" in second.text
    past = await browser.get("/console/customers", params={"q": "costa", "page": "9"})
    assert "Página 2 de 2" in past.text
    assert re.findall(r'href="/console/customers/(\d+)"', past.text) == linked


async def test_one_character_is_explained(browser, sign_in, joao):
    await sign_in(Role.ATTENDANT)
    answer = await browser.get("/console/customers", params={"q": "j"})
    assert answer.status_code == 422
    assert "digite ao menos 2 caracteres" in answer.text


async def test_an_empty_search_shows_the_form_only(browser, sign_in, joao):
    await sign_in(Role.ATTENDANT)
    answer = await browser.get("/console/customers")
    assert answer.status_code == 200
    assert 'id="search-q"' in answer.text and "encontrado" not in answer.text
