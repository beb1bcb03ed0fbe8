"""Turning what the services return into the admin bodies: shared by the API routes and the
console pages (which render the same bodies), so neither calls the other."""

from __future__ import annotations

from datetime import date

from fastapi import Response

from admin import schemas as s
from models import (
    Agreement,
    Campaign,
    CampaignEntry,
    ContactRefusal,
    Customer,
    DebtPause,
    Receivable,
    RuleRun,
    User,
)
from models.enums import ReceivableStatus, RefusalReason
from negotiation import campaigns, catalog, debt_pauses, rule_actions
from negotiation.delivery import deliveries_of
from negotiation.engine import days_past
from negotiation.export import export_to_agency
from negotiation.installments import installments_of
from negotiation.labels import label
from negotiation.offers import CustomerOffer
from negotiation.payment_links import payment_url
from negotiation.receipts import installment_receipt_pdf, receipt_allowed, receipt_pdf
from negotiation.statement import statement_for
from quita.settings import Settings


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


def bill_out(bill: Receivable, today: date, *, allowed: bool | None = None) -> s.BillOut:
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
        receipt_allowed=bool(status and status.allows_receipt) if allowed is None else allowed,
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


async def entry_detail(user: User, entry_id: int, today: date) -> s.EntryDetail:
    """One entry as it is worked: the customer record only for who may see it."""
    seen = await campaigns.entry_view(user, entry_id, today)
    return entry_out(
        seen.entry,
        s.EntryDetail,
        record=await customer_record(seen.entry.customer) if seen.show_record else None,
        bills=[bill_out(b, today) for b in seen.bills],
        offers=[offer_out(o) for o in seen.offers],
        calls=[s.CallOut.model_validate(c) for c in seen.calls],
        messages=[
            s.ActionSendOut.model_validate(m) for m in await rule_actions.sends_of(seen.entry.id)
        ],
        debt_now=None if seen.debt_now is None else s.DebtOut(**vars(seen.debt_now)),
        debt_note=seen.debt_note,
        last_refusal=refusal_out(seen.last_refusal),
        pause=None if seen.pause is None else pause_out(seen.pause),
    )


def pause_out(pause: DebtPause) -> s.PauseOut:
    return s.PauseOut(
        reason=pause.reason,
        detail=debt_pauses.describe(pause),
        starts_on=pause.starts_on,
        ends_on=pause.ends_on,
        channel=pause.channel,
        ticket_id=pause.ticket_id,
    )


def refusal_out(refusal: ContactRefusal | None) -> s.RefusalOut | None:
    if refusal is None:
        return None
    return s.RefusalOut(
        reason=refusal.reason,
        reason_label=label(refusal.reason, RefusalReason),
        detail=refusal.detail,
        channel=refusal.channel,
        actor=refusal.actor,
        kind=refusal.kind,
        retry_at=refusal.retry_at,
        created_at=refusal.created_at,
        rule_id=refusal.rule_id,
    )


async def agreement_detail(agreement_id: int, settings: Settings) -> s.AgreementDetail:
    """An agreement with its installments, payment instruments, payment page and sends."""
    agreement = await catalog.existing(Agreement, agreement_id, "acordo")
    parts = await installments_of(agreement.id)
    installments = [
        s.InstallmentOut(
            receivable_id=p.bill.id,
            number=p.bill.installment_number,
            due_date=p.bill.due_date,
            amount=p.bill.amount,
            status=p.bill.status,
            boleto_line=p.instrument.line if p.instrument else None,
            boleto_barcode=p.instrument.barcode if p.instrument else None,
            pix_copy_paste=p.instrument.pix_payload if p.instrument else None,
            receipt_allowed=await receipt_allowed(p.bill),
        )
        for p in parts
    ]
    url = None
    if parts:
        last_due = max(p.bill.due_date for p in parts)
        url = payment_url(settings.public_base_url, agreement.id, last_due, settings.secret_key)
    return s.AgreementDetail(
        **s.AgreementOut.model_validate(agreement).model_dump(),
        installments=installments,
        payment_url=url,
        deliveries=[s.DeliveryOut.model_validate(d) for d in await deliveries_of(agreement.id)],
    )


async def statement_out(customer_id: int, today: date) -> s.StatementOut:
    """The Extrato Financeiro: bills, agreements, and the agencies the debt went to."""
    st = await statement_for(customer_id)
    return s.StatementOut(
        customer=customer_summary(st.customer),
        # An installment takes its receipt rule from its agreement (negotiation.receipts).
        bills=[
            bill_out(b, today, allowed=await receipt_allowed(b) if b.agreement_id else None)
            for b in st.receivables
        ],
        agreements=[s.AgreementOut.model_validate(a) for a in st.agreements],
        with_agency=[
            s.AgencyEntryOut(
                entry_id=e.id,
                campaign_id=e.campaign_id,
                agency_id=e.agency_id,
                agency=e.agency.name,
                exported_at=e.exported_at,
            )
            for e in st.with_agency
        ],
    )


async def run_out(run: RuleRun) -> s.RunOut:
    campaign = await Campaign.get_or_none(run_id=run.id)
    return s.RunOut.model_validate(run).model_copy(
        update={"campaign_id": campaign.id if campaign else None}
    )


async def receipt_of(receivable_id: int, settings: Settings) -> bytes:
    """The receipt PDF of a paid bill, naming the ISP (the service refuses when its status
    allows none)."""
    return await receipt_pdf(
        receivable_id,
        isp_name=settings.isp_name,
        isp_cnpj=settings.isp_cnpj,
        isp_address=settings.isp_address,
        tz=settings.tz,
    )


async def installment_receipt_of(agreement_id: int, number: int, settings: Settings) -> bytes:
    """The receipt PDF of one paid installment of an agreement (same rule as a bill's)."""
    return await installment_receipt_pdf(
        agreement_id,
        number,
        isp_name=settings.isp_name,
        isp_cnpj=settings.isp_cnpj,
        isp_address=settings.isp_address,
        tz=settings.tz,
    )


async def export_csv(user: User, data: s.ExportIn, settings: Settings) -> Response:
    """Export entries to an agency (negotiation.export) and answer with the CSV download."""
    made = await export_to_agency(
        user,
        data.agency_id,
        data.entry_ids,
        isp_name=settings.isp_name,
        isp_cnpj=settings.isp_cnpj,
        tz=settings.tz,
    )
    return Response(
        content=made.content.encode("utf-8-sig"),  # the BOM makes Excel read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{made.filename}"'},
    )
