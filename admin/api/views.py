"""Turning stored rows into API bodies (shared by the campaign and customer routes)."""

from __future__ import annotations

from datetime import date

from admin import schemas as s
from models import CampaignEntry, Customer, Receivable
from models.enums import ReceivableStatus
from negotiation.engine import days_past
from negotiation.offers import CustomerOffer


def customer_summary(customer: Customer) -> s.CustomerSummary:
    return s.CustomerSummary(
        id=customer.id,
        name=customer.name,
        city=customer.city,
        state=customer.state,
        plan=customer.plan,
    )


async def customer_record(customer: Customer) -> s.CustomerRecord:
    phones = await customer.phones.all().values_list("number", flat=True)
    return s.CustomerRecord(
        **customer_summary(customer).model_dump(),
        external_id=customer.external_id,
        document=customer.document,
        birth_date=customer.birth_date,
        email=customer.email,
        status=customer.status,
        phones=list(phones),
        opted_out=customer.opted_out_at is not None,
    )


def entry_out(entry: CampaignEntry, cls=s.EntryOut, **extra) -> s.EntryOut:
    fields = {k: getattr(entry, k) for k in s.EntryOut.model_fields if k != "customer"}
    return cls(**fields, customer=customer_summary(entry.customer), **extra)


def bill_out(bill: Receivable, today: date) -> s.BillOut:
    status = bill.collection_status
    late = days_past(bill.due_date, today) if bill.status == ReceivableStatus.OPEN else 0
    return s.BillOut(
        id=bill.id,
        external_id=bill.external_id,
        due_date=bill.due_date,
        amount=bill.amount,
        status=bill.status,
        days_late=max(late, 0),
        billing_method=bill.billing_method,
        collection_status=status.name if status else None,
        receipt_allowed=bool(status and status.allows_receipt),
        agreement_id=bill.agreement_id,
        installment_number=bill.installment_number,
    )


def offer_out(o: CustomerOffer) -> s.OfferOut:
    return s.OfferOut(
        condition_id=o.quote.condition_id,
        condition=o.condition.description,
        option_id=o.quote.option_id,
        installments=o.offer.installments,
        total=o.offer.total,
        interest=o.offer.interest,
        down_payment=o.offer.down_payment,
        schedule=[
            s.PaymentOut(number=p.number, due_date=p.due_date, amount=p.amount)
            for p in o.offer.schedule
        ],
    )
