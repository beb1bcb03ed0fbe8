"""A debtor with offers of every shape the understanding tests name: at once, 3×, 6× with a
down payment (cheaper, so never a dominated one) and 6× without."""

from __future__ import annotations

from datetime import date, timedelta

from models import Customer, CustomerPhone
from models.clock import today_in
from tests.factories import make_condition, make_customer, make_receivable

CPF = "52998224725"
BIRTH = date(1980, 5, 17)
OPTIONS = (
    (1, 0, "100", "10", "0"),
    (3, 30, "50", "0", "0"),
    (6, 30, "0", "5", "30"),
    (6, 30, "0", "0", "0"),
)


async def debtor() -> Customer:
    today = today_in("America/Sao_Paulo")
    customer = await make_customer(name="MARIA DA SILVA", document=CPF, birth_date=BIRTH)
    await CustomerPhone.create(customer=customer, number="+5519988887777")
    await make_receivable(customer, today - timedelta(days=40), "99.90")
    await make_receivable(customer, today - timedelta(days=10), "99.90")
    await make_condition(OPTIONS, is_default=True)
    return customer
