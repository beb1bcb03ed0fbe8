"""Working one entry: the page, start the call, the result form, negotiate; the agreement page
with its payment instruments and sends.

The handlers read forms and call what the admin API calls (negotiation/campaigns.py,
negotiation/delivery.py, and admin.views for the bodies shown), so every rule stays in one
place.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from admin import schemas as s
from admin.console.render import page
from admin.console.session import Signed
from admin.deps import Page, SendersDep, SettingsDep
from admin.views import agreement_detail, entry_detail
from models import Agency, Campaign, CollectionStatus, Customer, ResultType
from models.clock import today_in
from models.enums import DeliveryChannel, ResultKind
from negotiation import campaigns as service
from negotiation.amounts import form_number
from negotiation.delivery import recipient_for, request_deliveries
from negotiation.delivery_retry import retry_failed
from negotiation.errors import Conflict, InvalidInput
from negotiation.labels import choices
from negotiation.permissions import Permission

router = APIRouter(prefix="/console")
View = Page(Permission.VIEW_CAMPAIGNS)
Record = Page(Permission.RECORD_RESULTS)
Negotiate = Page(Permission.NEGOTIATE)
Converse = Page(Permission.HANDLE_CONVERSATIONS)
# The API's agreement routes ask to see the customer (sending shows their addresses).
ViewCustomer = Page(Permission.VIEW_CUSTOMER)

RESULT_FIELDS = (
    "result_type_id",
    "collection_status_id",
    "reschedule_date",
    "reschedule_time",
    "notes",
    "ticket_subject",
    "ticket_description",
)
KIND_NEEDS_DATE = [ResultKind.RESCHEDULE.value]


def _split(error: Exception, default: str) -> tuple[str, str]:
    """The services say 'field: message'; the page shows the message next to the field."""
    field, sep, message = str(error).partition(": ")
    if not sep or " " in field:
        return default, str(error)
    return field, message


def _validation(error: ValidationError) -> dict[str, str]:
    out = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "form"
        out.setdefault(field, problem["msg"].removeprefix("Value error, "))
    return out


async def _entry_page(
    request: Request,
    signed: Signed,
    entry_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    offer_error: tuple[str, str] | None = None,
):
    today = today_in(request.app.state.settings.timezone)
    detail: s.EntryDetail = await entry_detail(signed.user, entry_id, today)
    result_types = await ResultType.filter(active=True)
    statuses = await CollectionStatus.filter(active=True)
    names = {r.id: r.name for r in await ResultType.all()}
    status_names = {c.id: c.name for c in await CollectionStatus.all()}
    campaign = await Campaign.get(id=detail.campaign_id)
    keys = {f"{o.condition_id}-{o.option_id}" for o in detail.offers}
    general = offer_error[1] if offer_error and offer_error[0] not in keys else None
    agency = await Agency.get_or_none(id=detail.agency_id) if detail.agency_id else None
    return page(
        request,
        signed,
        "console/entry.html.j2",
        status_code=status_code,
        e=detail,
        campaign=campaign,
        agency=agency,
        result_name=names.get(detail.result_type_id),
        status_name=status_names.get(detail.collection_status_id),
        result_types=result_types,
        statuses=statuses,
        needs_date=[r.id for r in result_types if r.kind in KIND_NEEDS_DATE],
        open=detail.state in ("pending", "scheduled", "in_progress", "exported"),
        errors=errors or {},
        form=form or {},
        offer_error=offer_error,
        general_error=general,
    )


@router.get("/entries/{entry_id:int}")
async def entry_page(entry_id: int, request: Request, signed: View):
    return await _entry_page(request, signed, entry_id)


@router.post("/entries/{entry_id:int}/start")
async def start(entry_id: int, request: Request, signed: Record):
    try:
        await service.start_call(signed.user, entry_id, request.app.state.settings)
    except InvalidInput as error:
        _, message = _split(error, "start")
        return await _entry_page(
            request, signed, entry_id, status_code=422, errors={"start": message}
        )
    return RedirectResponse(f"/console/entries/{entry_id}", status_code=303)


@router.post("/entries/{entry_id:int}/pause/end")
async def end_pause(entry_id: int, request: Request, signed: Converse):
    raw = await request.form()
    why = str(raw.get("pause_reason", "")).strip()
    try:
        data = s.PauseEndIn(reason=why)
    except ValidationError:
        return await _entry_page(
            request,
            signed,
            entry_id,
            status_code=422,
            errors={"pause": "informe o motivo de encerrar a pausa (até 300 caracteres)"},
            form={"pause_reason": why},
        )
    today = today_in(request.app.state.settings.timezone)
    try:
        await service.end_pause(signed.user, entry_id, data.reason, today)
    except (InvalidInput, Conflict) as error:
        _, message = _split(error, "pause")
        return await _entry_page(
            request,
            signed,
            entry_id,
            status_code=error.http_status,
            errors={"pause": message},
            form={"pause_reason": why},
        )
    return RedirectResponse(f"/console/entries/{entry_id}?ok=pause_ended", status_code=303)


def _reschedule(form: dict[str, str], request: Request, errors: dict[str, str]):
    day, hour = form.get("reschedule_date", ""), form.get("reschedule_time", "")
    if not day and not hour:
        return None
    if not day:
        errors["reschedule_at"] = "informe a data do novo contato"
        return None
    try:
        moment = datetime.fromisoformat(day)
        clock = time.fromisoformat(hour) if hour else None
    except ValueError:
        errors["reschedule_at"] = "data ou hora inválida"
        return None
    if clock is None:
        errors["reschedule_at"] = "informe a hora do novo contato"
        return None
    return datetime.combine(moment.date(), clock, request.app.state.settings.tz)


@router.post("/entries/{entry_id:int}/result")
async def result(entry_id: int, request: Request, signed: Record):
    raw = await request.form()
    form = {k: str(raw.get(k, "")).strip() for k in RESULT_FIELDS}
    errors: dict[str, str] = {}
    if not form["result_type_id"]:
        errors["result_type_id"] = "escolha o resultado da ligação"
    when = _reschedule(form, request, errors)
    data = None
    if not errors:
        try:
            data = s.ResultIn(
                result_type_id=form["result_type_id"],
                collection_status_id=form["collection_status_id"] or None,
                reschedule_at=when,
                notes=form["notes"] or None,
                ticket_subject=form["ticket_subject"] or None,
                ticket_description=form["ticket_description"],
            )
        except ValidationError as error:
            errors = _validation(error)
    if data is not None:
        try:
            await service.record_result(signed.user, entry_id, **data.model_dump())
        except InvalidInput as error:
            field, message = _split(error, "form")
            errors[field] = message
        else:
            return RedirectResponse(f"/console/entries/{entry_id}?ok=result", status_code=303)
    return await _entry_page(request, signed, entry_id, status_code=422, errors=errors, form=form)


def _money(text: str) -> Decimal | None:
    """'1.234,56', '50,00' or '50.00' as typed by a person."""
    text = form_number(text)
    return Decimal(text) if text else None


@router.post("/entries/{entry_id:int}/negotiate")
async def negotiate(entry_id: int, request: Request, signed: Negotiate):
    raw = await request.form()
    key = f"{raw.get('condition_id', '')}-{raw.get('option_id', '')}"
    try:
        down = _money(str(raw.get("down_payment", "")))
        data = s.NegotiateIn(
            condition_id=raw.get("condition_id"),
            option_id=raw.get("option_id"),
            down_payment=down,
        )
    except InvalidOperation:
        return await _entry_page(
            request,
            signed,
            entry_id,
            status_code=422,
            offer_error=(key, "entrada inválida: use o formato 1.234,56"),
        )
    except ValidationError as error:
        message = "; ".join(_validation(error).values())
        return await _entry_page(
            request, signed, entry_id, status_code=422, offer_error=(key, message)
        )
    settings = request.app.state.settings
    today = today_in(settings.timezone)
    try:
        confirmed = _confirmed_total(raw)
        if confirmed is None:
            # The offer's button only shows what would be agreed; the confirmation makes it.
            chosen = await service.review_offer(
                signed.user, entry_id, today=today, **data.model_dump()
            )
            return await _confirm_page(request, signed, entry_id, chosen, data)
        agreement = await service.negotiate(
            signed.user,
            entry_id,
            today=today,
            settings=settings,
            confirmed_total=confirmed,
            **data.model_dump(),
        )
    except (InvalidInput, Conflict) as error:
        _, message = _split(error, "offer")
        return await _entry_page(
            request, signed, entry_id, status_code=error.http_status, offer_error=(key, message)
        )
    if signed.can(Permission.VIEW_CUSTOMER):
        return RedirectResponse(f"/console/agreements/{agreement.id}?ok=agreement", 303)
    return RedirectResponse(f"/console/entries/{entry_id}?ok=agreement", status_code=303)


def _confirmed_total(raw) -> Decimal | None:
    """The total the confirmation page showed (absent before the confirmation)."""
    text = str(raw.get("confirmed_total", "")).strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InvalidInput(
            "confirmed_total: confirmação inválida; escolha a oferta de novo"
        ) from None


async def _confirm_page(request: Request, signed: Signed, entry_id: int, chosen, data):
    """What the agreement will be, and what goes out with its instruments, before it is made."""
    settings = request.app.state.settings
    entry = await service.entry_for(signed.user, entry_id)
    n = chosen.negotiation
    debt = n.principal + n.fine + n.interest
    channels = []
    for code, name in choices(DeliveryChannel).items():
        try:
            await recipient_for(entry.customer, DeliveryChannel(code))
            channels.append((name, None))
        except InvalidInput as why:
            channels.append((name, str(why)))
    return page(
        request,
        signed,
        "console/negotiate_confirm.html.j2",
        entry=entry,
        offer=chosen.offer,
        condition=chosen.condition,
        debt=debt,
        discount=max(debt - chosen.offer.total, Decimal(0)),
        subject=settings.email_subject,
        sender=settings.email_sender,
        channels=channels,
        data=data,
    )


async def _agreement_page(
    request: Request,
    signed: Signed,
    agreement_id: int,
    *,
    status_code: int = 200,
    send_error: str | None = None,
    chosen: list[str] | None = None,
):
    settings = request.app.state.settings
    detail: s.AgreementDetail = await agreement_detail(agreement_id, settings)
    customer = await Customer.get(id=detail.customer_id)
    return page(
        request,
        signed,
        "console/agreement.html.j2",
        status_code=status_code,
        a=detail,
        customer=customer,
        channels=choices(DeliveryChannel),
        send_error=send_error,
        chosen=chosen or [],
    )


@router.get("/agreements/{agreement_id:int}")
async def agreement_page(agreement_id: int, request: Request, signed: ViewCustomer):
    return await _agreement_page(request, signed, agreement_id)


@router.post("/agreements/{agreement_id:int}/send")
async def send(agreement_id: int, request: Request, signed: ViewCustomer):
    raw = await request.form()
    picked = [str(v) for v in raw.getlist("channels")]
    try:
        channels = [DeliveryChannel(v) for v in picked]
        await request_deliveries(
            agreement_id,
            channels,
            senders=request.app.state.senders,
            settings=request.app.state.settings,
            user=signed.user,
        )
    except ValueError:
        return await _agreement_page(
            request, signed, agreement_id, status_code=422, send_error="canal desconhecido"
        )
    except (InvalidInput, Conflict) as error:
        return await _agreement_page(
            request,
            signed,
            agreement_id,
            status_code=error.http_status,
            send_error=str(error),
            chosen=picked,
        )
    return RedirectResponse(f"/console/agreements/{agreement_id}?ok=sent", status_code=303)


@router.post("/deliveries/{delivery_id:int}/retry")
async def retry(delivery_id: int, senders: SendersDep, settings: SettingsDep, signed: ViewCustomer):
    done = await retry_failed(signed.user, delivery_id, senders=senders, settings=settings)
    return RedirectResponse(f"/console/agreements/{done.agreement_id}?ok=sent", status_code=303)
