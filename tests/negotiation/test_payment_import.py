"""`import_payments`: a payments file settles installments once, and says what it refused."""

from __future__ import annotations

from datetime import date

from models import Payment, PaymentInstrument, Receivable
from models.enums import Channel, ReceivableStatus
from negotiation.accept import accept
from negotiation.offers import offers_for_customer
from negotiation.payment_import import import_payments
from tests.factories import SEED_OPTIONS, SETTINGS, make_condition, make_customer, make_receivable


async def _instruments():
    customer = await make_customer()
    await make_receivable(customer, date(2026, 9, 10), "99.90")
    await make_condition(SEED_OPTIONS, is_default=True)
    quote = (await offers_for_customer(customer.id, date(2026, 11, 27)))[1].quote  # 3x 34.40
    agreement = await accept(
        quote, channel=Channel.CONSOLE, today=date(2026, 11, 27), settings=SETTINGS
    )
    return await PaymentInstrument.filter(receivable__agreement_id=agreement.id).order_by("id")


async def test_a_file_settles_once_and_rejects_what_it_cannot(each_db):
    first, second, _ = await _instruments()
    rows = [
        {"id_pagamento": "B1", "txid": first.txid, "valor": "34,40", "pago_em": "30/11/2026 10:00"},
        {
            "id_pagamento": "B2",
            "nosso_numero": f"000{second.our_number}",
            "valor": "34.40",
            "pago_em": "2026-12-30T09:00:00-03:00",
        },
        {"id_pagamento": "B3", "txid": "NAOEXISTE", "valor": "10", "pago_em": "2026-12-01"},
        {"id_pagamento": "B4", "txid": first.txid, "valor": "5,00", "pago_em": "2026-12-01"},
        {"id_pagamento": "", "txid": first.txid, "valor": "34,40", "pago_em": "2026-12-01"},
    ]
    report = await import_payments(rows, first_line=2)
    assert (report.created, report.updated) == (2, 0)
    assert [(r.line, r.external_id) for r in report.rejected] == [(4, "B3"), (5, "B4"), (6, "")]
    assert "nenhuma parcela" in report.rejected[0].reasons[0]
    paid = await Receivable.filter(status=ReceivableStatus.PAID, agreement_id__not_isnull=True)
    assert sorted(r.id for r in paid) == sorted([first.receivable_id, second.receivable_id])

    again = await import_payments(rows[:2])
    assert (again.created, again.updated) == (0, 2)
    assert await Payment.all().count() == 2
    assert again.summary() == "0 pagamentos registrados, 2 já registrados antes, 0 rejeitados"
