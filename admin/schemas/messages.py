"""Message templates (Modelos de mensagem) and their preview."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from admin.schemas.base import Body, Out
from models.enums import DeliveryChannel


class MessageTemplateIn(Body):
    channel: DeliveryChannel
    name: Annotated[str, Field(min_length=1, max_length=80)]
    # E-mail only: the subject and the HTML body (the text is the plain-text part).
    subject: Annotated[str | None, Field(max_length=200)] = None
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    html: Annotated[str | None, Field(max_length=20000)] = None
    active: bool = True


class MessagePreviewIn(Body):
    channel: DeliveryChannel
    name: Annotated[str, Field(max_length=80)] = "prévia"
    subject: Annotated[str | None, Field(max_length=200)] = None
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    html: Annotated[str | None, Field(max_length=20000)] = None


class MessageTemplateOut(Out):
    id: int
    channel: DeliveryChannel
    name: str
    subject: str | None
    text: str
    html: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class MessagePreviewOut(Out):
    """The template for a sample debtor; SMS also says its segments and encoding."""

    subject: str | None
    text: str
    html: str | None
    segments: int | None
    encoding: str | None
