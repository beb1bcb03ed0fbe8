"""The customer record and statement (only with the permission to view customers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from admin import schemas as s
from admin.deps import CanViewCustomer, SettingsDep, TodayDep
from admin.schemas.base import IdPath, Offset, TextQuery
from admin.schemas.customers import CustomerSearchOut
from admin.views import customer_record, receipt_of, statement_out
from models import Customer
from negotiation import catalog
from negotiation.customer_search import MAX_LIMIT, search_customers

router = APIRouter(prefix="/customers", tags=["clientes"])


@router.get(
    "",
    response_model=CustomerSearchOut,
    summary="Find customers by CPF/CNPJ (or its first digits), name, phone or external id",
)
async def find_customers(
    _: CanViewCustomer,
    q: TextQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Offset = 0,
):
    return CustomerSearchOut.model_validate(
        await search_customers(q, limit=limit, offset=offset), from_attributes=True
    )


@router.get("/{customer_id}", response_model=s.CustomerRecord, summary="The customer record")
async def get_customer(customer_id: IdPath, _: CanViewCustomer):
    return await customer_record(await catalog.existing(Customer, customer_id, "cliente"))


@router.get("/{customer_id}/statement", response_model=s.StatementOut, summary="Extrato Financeiro")
async def get_statement(customer_id: IdPath, today: TodayDep, _: CanViewCustomer):
    return await statement_out(customer_id, today)


@router.get(
    "/receivables/{receivable_id}/receipt.pdf",
    summary="Receipt of a paid bill (only when its Status Serasa allows receipts)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def get_receipt(receivable_id: IdPath, settings: SettingsDep, _: CanViewCustomer):
    return Response(await receipt_of(receivable_id, settings), media_type="application/pdf")
