"""The customer record and statement (only with the permission to view customers)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from admin import schemas as s
from admin.api.crud import get_or_404
from admin.api.views import bill_out, customer_record, customer_summary
from admin.security import require
from models import Customer, User
from models.clock import today_in
from negotiation.permissions import Permission
from negotiation.receipts import receipt_pdf
from negotiation.statement import statement_for

router = APIRouter(prefix="/customers", tags=["clientes"])
view_customer = require(Permission.VIEW_CUSTOMER)


@router.get("/{customer_id}", response_model=s.CustomerRecord, summary="The customer record")
async def get_customer(customer_id: int, _: User = view_customer):
    return await customer_record(await get_or_404(Customer, customer_id, "cliente"))


@router.get("/{customer_id}/statement", response_model=s.StatementOut, summary="Extrato Financeiro")
async def get_statement(customer_id: int, request: Request, _: User = view_customer):
    today = today_in(request.app.state.settings.timezone)
    st = await statement_for(customer_id)
    return s.StatementOut(
        customer=customer_summary(st.customer),
        bills=[bill_out(b, today) for b in st.receivables],
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


@router.get(
    "/receivables/{receivable_id}/receipt.pdf",
    summary="Receipt of a paid bill (only when its Status Serasa allows receipts)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def get_receipt(receivable_id: int, request: Request, _: User = view_customer):
    settings = request.app.state.settings
    pdf = await receipt_pdf(
        receivable_id,
        isp_name=settings.isp_name,
        isp_cnpj=settings.isp_cnpj,
        isp_address=settings.isp_address,
        tz=settings.tz,
    )
    return Response(pdf, media_type="application/pdf")
