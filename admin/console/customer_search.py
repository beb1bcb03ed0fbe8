"""Buscar cliente: the results of the top bar's search box (CPF/CNPJ, name, phone or external
id), 20 a page, each row opening the customer record. Only with VIEW_CUSTOMER."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request

from admin.console.customers import ViewCustomer
from admin.console.render import page
from negotiation.customer_search import CustomerResults, search_customers
from negotiation.errors import InvalidInput

router = APIRouter(prefix="/console")
PER_PAGE = 20


@router.get("/customers")
async def customer_search_page(request: Request, signed: ViewCustomer):
    q = request.query_params.get("q", "").strip()[:80]
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    error = None
    results = CustomerResults(items=[], total=0)
    if q:
        try:
            results = await search_customers(q, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
        except InvalidInput as exc:
            error = str(exc)
    pages = max(1, -(-results.total // PER_PAGE))
    if number > pages and results.total:  # an old link past the end: its last page
        number = pages
        results = await search_customers(q, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)

    def link(n: int) -> str:
        return "/console/customers?" + urlencode({"q": q, "page": n})

    return page(
        request,
        signed,
        "console/customer_search.html.j2",
        status_code=422 if error else 200,
        search_q=q,
        results=results,
        error=error,
        number=number,
        pages=pages,
        previous=link(number - 1) if number > 1 else None,
        next=link(number + 1) if number < pages else None,
    )
