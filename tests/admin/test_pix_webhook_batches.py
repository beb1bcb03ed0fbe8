"""Pix webhook batches: each item settled on its own, bounded fields, retry only what failed."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from tortoise import connections

from models import Payment, PaymentInstrument, Receivable
from models.enums import Channel, ReceivableStatus
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from quita.app import create_app
from quita.settings import Settings
from tests.admin.test_pix_webhook import SECRET
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable

HEADERS = {"X-Webhook-Secret": SECRET}


async def _client(url: str) -> httpx.AsyncClient:
    app = create_app(Settings(database_url=url, secret_key="x" * 40, pix_webhook_secret=SECRET))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _pix(txid: str, e2e: str, valor: str = "91.71") -> dict:
    return {"endToEndId": e2e, "txid": txid, "valor": valor, "horario": "2026-11-30T10:15:00Z"}


async def _two_instruments() -> list[PaymentInstrument]:
    """Two debtors, each with a cash agreement of 91.71 and its Pix."""
    await make_condition(SEED_OPTIONS, is_default=True)
    instruments = []
    for _ in range(2):
        customer = await make_customer()
        await make_receivable(customer, date(2026, 9, 10), "99.90")
        quote = (await offers_for_customer(customer.id, date(2026, 11, 27)))[0].quote
        agreement = await accept(
            quote, channel=Channel.TELEGRAM, today=date(2026, 11, 27), settings=SETTINGS
        )
        instruments.append(await PaymentInstrument.get(receivable__agreement_id=agreement.id))
    return instruments


async def test_a_bad_item_does_not_stop_the_good_ones(db):
    first, second = await _two_instruments()
    body = {"pix": [_pix(first.txid, "E1"), {"txid": second.txid}, _pix(second.txid, "E2")]}
    async with await _client(db) as psp:
        answer = await psp.post("/pix/webhook", headers=HEADERS, json=body)
    assert answer.status_code == 200
    outcomes = [(i["endToEndId"], i["outcome"]) for i in answer.json()["items"]]
    assert outcomes == [("E1", "settled"), (None, "invalid"), ("E2", "settled")]
    assert answer.json()["settled"] == ["E1", "E2"]
    assert await Payment.all().count() == 2
    for instrument in (first, second):
        bill = await Receivable.get(id=instrument.receivable_id)
        assert bill.status == ReceivableStatus.PAID


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("not an object", "esperado um objeto"),
        (_pix("T" * 10_000, "E1"), "txid: tem 10000 caracteres; o máximo é 35"),
        (_pix("T1", "E" * 10_000), "endToEndId: tem 10000 caracteres; o máximo é 32"),
        (_pix("T1", "E1", "1" * 5_000 + ".00"), "valor"),
        (_pix("T1", "E1", "1e9"), "valor"),
        ({**_pix("T1", "E1"), "horario": "x" * 10_000}, "horario"),
        ({**_pix("T1", "E1"), "txid": 42}, "txid: deve ser um texto"),
    ],
)
async def test_bad_items_are_invalid_not_server_errors(pg_db, item, reason):
    async with await _client(pg_db) as psp:
        answer = await psp.post("/pix/webhook", headers=HEADERS, json={"pix": [item]})
    assert answer.status_code == 200, answer.text
    [outcome] = answer.json()["items"]
    assert outcome["outcome"] == "invalid" and reason in outcome["detail"]
    assert len(answer.text) < 1_000  # the answer does not echo a huge field back


async def test_a_database_failure_asks_for_a_retry_that_settles_only_what_is_missing(pg_db):
    first, second = await _two_instruments()
    body = {"pix": [_pix(first.txid, "E1"), _pix(second.txid, "EFAIL")]}
    conn = connections.get("default")
    # A real database error for one item: a trigger refuses that payment's insert.
    await conn.execute_script(
        """CREATE FUNCTION refuse_efail() RETURNS trigger AS $$ BEGIN
             IF NEW.external_id = 'EFAIL' THEN RAISE EXCEPTION 'disk on fire'; END IF;
             RETURN NEW; END $$ LANGUAGE plpgsql;
           CREATE TRIGGER refuse_efail BEFORE INSERT ON payment
             FOR EACH ROW EXECUTE FUNCTION refuse_efail();"""
    )
    try:
        async with await _client(pg_db) as psp:
            answer = await psp.post("/pix/webhook", headers=HEADERS, json=body)
    finally:
        await conn.execute_script(
            "DROP TRIGGER refuse_efail ON payment; DROP FUNCTION refuse_efail();"
        )
    assert answer.status_code == 503
    assert [i["outcome"] for i in answer.json()["items"]] == ["settled", "error"]
    assert await Payment.all().count() == 1

    async with await _client(pg_db) as psp:
        again = await psp.post("/pix/webhook", headers=HEADERS, json=body)
    assert again.status_code == 200
    assert [i["outcome"] for i in again.json()["items"]] == ["replayed", "settled"]
    assert await Payment.all().count() == 2
