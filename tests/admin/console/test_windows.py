"""The console's Janelas e feriados page: every state with its zone and window, a window
edited and saved (and refused in pt-BR), holidays added and removed, the entry's last
refusal and the Painel's contacts per rule and channel."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from models import ContactWindow, Holiday
from models.enums import Channel, ContactActor, EntryState, Role
from negotiation import contact_policy
from quita.settings import Settings
from tests.factories import make_customer, make_receivable
from tests.negotiation.rule_factories import make_entry, make_rule


async def test_the_page_lists_every_state_with_zone_and_window(browser, sign_in):
    await sign_in(Role.SUPERVISOR)
    html = (await browser.get("/console/windows")).text
    assert "<h1>Janelas e feriados</h1>" in html
    assert "America/Manaus" in html and "America/Rio_Branco" in html
    assert "09:00–19:00" in html  # RJ, per DESIGN §7
    assert html.count('id="uf-') == 27
    assert 'href="/console/windows"' in html  # in the menu


async def test_a_window_is_edited_saved_and_refused_when_wrong(browser, sign_in):
    token = await sign_in(Role.ADMIN)
    edit = await browser.get("/console/windows/AM")
    assert (
        edit.status_code == 200 and 'value="08:00"' in edit.text and "America/Manaus" in edit.text
    )

    wrong = await browser.post(
        "/console/windows/AM",
        data={"csrf_token": token, "weekday_start": "19:00", "weekday_end": "09:00"},
    )
    assert wrong.status_code == 422 and "o fim deve ser depois do início" in wrong.text
    assert not await ContactWindow.exists()

    saved = await browser.post(
        "/console/windows/AM",
        data={
            "csrf_token": token,
            "weekday_start": "09:00",
            "weekday_end": "18:00",
            "saturday_start": "09:00",
            "saturday_end": "12:00",
        },
    )
    assert saved.status_code == 303
    row = await ContactWindow.get(state="AM")
    assert (row.weekday_start, row.saturday_end) == ("09:00", "12:00")
    listed = (await browser.get("/console/windows?ok=saved")).text
    assert "09:00–18:00" in listed and "Personalizada" in listed

    reset = await browser.post("/console/windows/AM/reset", data={"csrf_token": token})
    assert reset.status_code == 303 and not await ContactWindow.exists()


async def test_holidays_are_added_and_removed(browser, sign_in):
    token = await sign_in(Role.ADMIN)
    bad = await browser.post(
        "/console/holidays",
        data={"csrf_token": token, "day": "32/12/2026", "state": "SP", "name": "X"},
    )
    assert bad.status_code == 422 and "data inválida" in bad.text

    added = await browser.post(
        "/console/holidays",
        data={
            "csrf_token": token,
            "day": "08/12/2026",
            "state": "SP",
            "city": "Campinas",
            "name": "Nossa Senhora da Conceição",
        },
    )
    assert added.status_code == 303
    holiday = await Holiday.get()
    assert (holiday.day, holiday.city, holiday.city_key) == (
        date(2026, 12, 8),
        "Campinas",
        "campinas",
    )
    html = (await browser.get("/console/windows")).text
    assert "08/12/2026" in html and "Nossa Senhora da Conceição" in html

    removed = await browser.post(
        f"/console/holidays/{holiday.id}/delete", data={"csrf_token": token}
    )
    assert removed.status_code == 303 and not await Holiday.exists()


async def test_an_attendant_may_not_edit(browser, sign_in):
    token = await sign_in(Role.ATTENDANT)
    answer = await browser.post(
        "/console/windows/SP",
        data={"csrf_token": token, "weekday_start": "08:00", "weekday_end": "18:00"},
    )
    assert answer.status_code == 403 and not await ContactWindow.exists()


async def test_the_entry_page_and_the_painel_show_why_not(browser, sign_in):
    debtor = await make_customer(state="AM", city="Manaus")
    await make_receivable(debtor, date(2026, 10, 10), "50.00")
    rule = await make_rule(description="Régua AM")
    entry = await make_entry(rule, debtor, EntryState.PENDING)
    early = datetime(2026, 12, 2, 8, 45, tzinfo=ZoneInfo("America/Sao_Paulo"))
    settings = Settings(secret_key="test", database_url="sqlite://:memory:")
    await contact_policy.decide(
        debtor, Channel.VOICE, early, settings, kind="call", actor=ContactActor.ROBOT,
        entry_id=entry.id,
    )  # fmt: skip
    await sign_in(Role.SUPERVISOR)
    page = (await browser.get(f"/console/entries/{entry.id}")).text
    assert "Último contato não feito" in page and "Fora do horário permitido" in page
    painel = (await browser.get("/console")).text
    assert "Contatos por régua e canal" in painel
    assert "Fora do horário permitido: 1" in painel
