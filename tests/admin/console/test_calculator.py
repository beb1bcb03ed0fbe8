"""The negotiation calculator page: the `simulate` engine as a form."""

from __future__ import annotations

import re

from models.enums import Role

FORM = {
    "as_of": "2026-11-27",
    "bill_due_date": ["2026-10-18", "2026-11-17", ""],
    "bill_amount": ["99,90", "99.90", ""],
    "fine_pct": "2",
    "interest_pct": "1",
    "days_to_first_due": "3",
    "opt_installments": ["1", "3", "4"],
    "opt_days_between": ["0", "30", "20"],
    "opt_interest_discount_pct": ["100", "50", "0"],
    "opt_debt_discount_pct": ["10", "0", "0"],
    "opt_min_down_payment_pct": ["0", "0", "30"],
}


async def test_form_shows_every_field_with_a_label(browser, sign_in):
    await sign_in(Role.ATTENDANT)
    page = await browser.get("/console/calculator")
    assert page.status_code == 200, page.text
    ids = re.findall(r'<input[^>]* id="([^"]+)"', page.text)
    assert "fine_pct" in ids and "bill_amount_0" in ids and "opt_installments_0" in ids
    for input_id in ids:
        assert f'<label for="{input_id}">' in page.text, input_id
    assert ">Calcular</button>" in page.text


async def test_valid_scenario_shows_breakdown_and_offers(browser, sign_in):
    csrf = await sign_in(Role.ATTENDANT)
    answer = await browser.post("/console/calculator", data={**FORM, "csrf_token": csrf})
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert "Resultado em 27/11/2026" in page
    assert "R$\xa0199,80" in page  # the principal
    assert page.count('class="card offer"') == 3
    assert "à vista" in page and "entrada + 3 parcela(s)" in page
    assert re.search(
        r"<td>1</td><td>\d\d/\d\d/\d{4}</td><td class=\"num\">R\$\xa0[\d.]+,\d\d", page
    )
    # What was typed stays in the form.
    assert 'value="99,90"' in page


async def test_bad_scenario_says_what_is_wrong_next_to_the_field(browser, sign_in):
    csrf = await sign_in(Role.ATTENDANT)
    bad = {**FORM, "csrf_token": csrf, "fine_pct": "150", "bill_amount": ["99,999", "10", ""]}
    answer = await browser.post("/console/calculator", data=bad)
    assert answer.status_code == 422
    page = answer.text
    assert (
        '<span class="field-error" id="fine_pct-error">deve ser uma porcentagem de 0 a 100' in page
    )
    assert 'id="bill_amount_0-error">use no máximo duas casas decimais' in page
    assert 'aria-invalid="true" aria-describedby="fine_pct-error"' in page
    assert 'value="150"' in page
    assert "Resultado em" not in page

    no_options = {k: v for k, v in FORM.items() if not k.startswith("opt_")} | {
        "csrf_token": csrf,
        "opt_installments": "x",
        "opt_days_between": "0",
    }
    answer = await browser.post("/console/calculator", data=no_options)
    assert answer.status_code == 422
    assert 'id="opt_installments_0-error">informe um número inteiro' in answer.text


async def test_calculator_needs_a_session_and_the_token(browser, sign_in):
    signed_out = await browser.get("/console/calculator")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/console/login")
    await sign_in(Role.AGENCY)  # every role may negotiate, agencies too
    assert (await browser.get("/console/calculator")).status_code == 200
    assert (await browser.post("/console/calculator", data=FORM)).status_code == 403


async def test_calculator_starts_empty_and_fills_an_example_only_when_asked(browser, sign_in):
    await sign_in(Role.ATTENDANT)
    page = (await browser.get("/console/calculator")).text
    fields = ("bill_amount", "bill_due_date", "fine_pct", "interest_pct", "days_to_first_due")
    for name in fields:
        for value in re.findall(rf'<input[^>]* name="{name}"[^>]* value="([^"]*)"', page):
            assert value == "", (name, value)
    for value in re.findall(r'<input[^>]* name="opt_[a-z_]+"[^>]* value="([^"]*)"', page):
        assert value == ""
    assert 'href="/console/calculator?example=true"' in page
    assert "<script>" not in page and "onclick" not in page

    example = (await browser.get("/console/calculator?example=true")).text
    assert 'name="bill_amount" inputmode="decimal" value="99,90"' in example
    assert re.search(r'name="opt_installments"[^>]* value="3"', example)
