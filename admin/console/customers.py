"""The customer record and statement (Extrato Financeiro), only with VIEW_CUSTOMER: an agency
never opens it. The data is built as the admin API builds it (admin.views)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from admin.console.render import page
from admin.deps import Page, SettingsDep, TodayDep
from admin.schemas.base import IdPath
from admin.views import customer_record, installment_receipt_of, receipt_of, statement_out
from models import Customer
from negotiation import catalog
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
ViewCustomer = Page(Permission.VIEW_CUSTOMER)


@router.get("/customers/{customer_id:int}")
async def customer_page(customer_id: int, request: Request, today: TodayDep, signed: ViewCustomer):
    record = await customer_record(await catalog.existing(Customer, customer_id, "cliente"))
    statement = await statement_out(customer_id, today)
    return page(
        request,
        signed,
        "console/customer.html.j2",
        c=record,
        st=statement,
    )


@router.get("/receipts/{receivable_id:int}.pdf")
async def receipt(receivable_id: int, settings: SettingsDep, signed: ViewCustomer):
    """The receipt of a paid bill; the service refuses when its status allows none."""
    pdf = await receipt_of(receivable_id, settings)
    disposition = f'inline; filename="recibo-{receivable_id}.pdf"'
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.get("/agreements/{agreement_id:int}/installments/{number:int}/receipt.pdf")
async def installment_receipt(
    agreement_id: IdPath, number: IdPath, settings: SettingsDep, signed: ViewCustomer
):
    """The receipt of a paid agreement installment; refused as a bill's would be."""
    pdf = await installment_receipt_of(agreement_id, number, settings)
    disposition = f'inline; filename="recibo-acordo-{agreement_id}-parcela-{number}.pdf"'
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})
