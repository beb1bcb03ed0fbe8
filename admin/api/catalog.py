"""Status Serasa, result types, contact types and agencies."""

from fastapi import APIRouter

from admin import schemas as s
from admin.api.crud import catalog_router
from models import Agency, CollectionStatus, ContactType, ResultType

router = APIRouter()
router.include_router(
    catalog_router(
        CollectionStatus,
        s.CollectionStatusIn,
        s.CollectionStatusOut,
        "collection-statuses",
        "status de cobrança",
    )
)
router.include_router(
    catalog_router(ResultType, s.ResultTypeIn, s.ResultTypeOut, "result-types", "tipo de resultado")
)
router.include_router(
    catalog_router(
        ContactType, s.ContactTypeIn, s.ContactTypeOut, "contact-types", "tipo de contato"
    )
)
router.include_router(catalog_router(Agency, s.AgencyIn, s.AgencyOut, "agencies", "escritório"))
