"""Message templates (Modelos de mensagem) of the rule actions, and their preview with a
sample debtor. No `from __future__ import annotations`: FastAPI must see the body classes."""

from fastapi import APIRouter

from admin import schemas as s
from admin.deps import CanConfigure, SettingsDep, TodayDep
from admin.schemas.base import IdPath
from models.enums import DeliveryChannel
from negotiation import message_templates as service

router = APIRouter(prefix="/message-templates", tags=["configuração"])


@router.get("", response_model=list[s.MessageTemplateOut], summary="List message templates")
async def list_templates(_: CanConfigure, channel: DeliveryChannel | None = None):
    return [s.MessageTemplateOut.model_validate(t) for t in await service.list_templates(channel)]


@router.get("/variables", summary="The variables a template may use, with what each becomes")
async def variables(_: CanConfigure) -> dict[str, str]:
    return service.VARIABLES


@router.post("/preview", response_model=s.MessagePreviewOut, summary="Render for a sample debtor")
async def preview(
    data: s.MessagePreviewIn, _: CanConfigure, settings: SettingsDep, today: TodayDep
):
    return s.MessagePreviewOut.model_validate(
        service.preview(data.model_dump(), settings, today), from_attributes=True
    )


@router.get("/{template_id}", response_model=s.MessageTemplateOut, summary="One template")
async def get_template(template_id: IdPath, _: CanConfigure):
    return s.MessageTemplateOut.model_validate(await service.get_template(template_id))


@router.post("", response_model=s.MessageTemplateOut, status_code=201, summary="Create")
async def create_template(
    data: s.MessageTemplateIn, user: CanConfigure, settings: SettingsDep, today: TodayDep
):
    made = await service.save_template(user, data.model_dump(), settings, today)
    return s.MessageTemplateOut.model_validate(made)


@router.put("/{template_id}", response_model=s.MessageTemplateOut, summary="Replace")
async def update_template(
    template_id: IdPath,
    data: s.MessageTemplateIn,
    user: CanConfigure,
    settings: SettingsDep,
    today: TodayDep,
):
    saved = await service.save_template(user, data.model_dump(), settings, today, template_id)
    return s.MessageTemplateOut.model_validate(saved)


@router.delete("/{template_id}", status_code=204, summary="Delete (refused while in use)")
async def delete_template(template_id: IdPath, user: CanConfigure) -> None:
    await service.delete_template(user, template_id)
