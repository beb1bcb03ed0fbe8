"""The customer record and statement (Extrato Financeiro), only with VIEW_CUSTOMER: an agency
never opens it. The data comes from the admin API's own view functions."""

from __future__ import annotations

from fastapi import APIRouter, Request

from admin.api.customers import get_customer, get_receipt, get_statement
from admin.console.render import page
from admin.console.session import Signed, allowed
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
view_customer = allowed(Permission.VIEW_CUSTOMER)


@router.get("/customers/{customer_id:int}")
async def customer_page(customer_id: int, request: Request, signed: Signed = view_customer):
    record = await get_customer(customer_id, signed.user)
    statement = await get_statement(customer_id, request, signed.user)
    return page(
        request,
        signed,
        "console/customer.html.j2",
        c=record,
        st=statement,
    )


@router.get("/receipts/{receivable_id:int}.pdf")
async def receipt(receivable_id: int, request: Request, signed: Signed = view_customer):
    """The receipt of a paid bill; the service refuses when its status allows none."""
    answer = await get_receipt(receivable_id, request, signed.user)
    answer.headers["Content-Disposition"] = f'inline; filename="recibo-{receivable_id}.pdf"'
    return answer
