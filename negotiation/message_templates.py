"""The catalog of message templates (Modelos de mensagem): pt-BR texts per channel with
{variables}, checked when saved, rendered for a debtor when a rule action sends them.

Variables are written `{primeiro_nome}`; a literal brace is doubled (`{{`). Only the names in
`VARIABLES` are accepted, without format specs or attributes. Every rendered message names the
creditor with its CNPJ (CDC art. 42-A): when a template leaves them out, the identity footer
is appended. SMS templates show their segment count (negotiation.sms_text) and may not take
more than `MAX_SEGMENTS` for the sample debtor.
"""

from __future__ import annotations

import html as html_lib
import string
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from models import CollectionAction, MessageTemplate, User
from models.enums import DeliveryChannel
from negotiation import catalog
from negotiation.config import MessageConfig
from negotiation.errors import Conflict, InvalidInput
from negotiation.permissions import Permission, ensure
from negotiation.rendering import TEMPLATES, brl, date_br
from negotiation.sms_text import MAX_SEGMENTS, encoding, sms_segments

# name -> what it becomes (pt-BR, shown in the console next to the editor).
VARIABLES: dict[str, str] = {
    "primeiro_nome": "primeiro nome do cliente (Maria)",
    "nome": "nome completo do cliente",
    "total": "total em aberto (R$ 1.234,56)",
    "vencimento_mais_antigo": "vencimento da conta mais antiga em aberto (dd/mm/aaaa)",
    "dias_atraso": "dias de atraso da conta mais antiga",
    "link_pagamento": "página de pagamento do acordo ativo; sem acordo, o link para negociar",
    "link_bot": "link para negociar com o robô no Telegram",
    "empresa": "razão social do provedor",
    "cnpj": "CNPJ do provedor",
    "telefone_empresa": "telefone da central do provedor",
}
# Said when the ISP's number is not configured (QUITA_ISP_PHONE), so no sentence breaks.
NO_PHONE = "a nossa central de atendimento"
_CHANNEL_NAMES = {
    DeliveryChannel.EMAIL: "e-mail",
    DeliveryChannel.SMS: "SMS",
    DeliveryChannel.TELEGRAM: "Telegram",
}
DEFAULTS_FILE = TEMPLATES / "messages" / "defaults.toml"


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    text: str
    html: str | None
    segments: int | None = None  # SMS only
    encoding: str | None = None  # SMS only: "GSM-7" or "UCS-2"


@dataclass(frozen=True)
class Debtor:
    """What the variables of one debtor are made of."""

    name: str
    total: Decimal
    oldest_due: date | None
    today: date
    payment_link: str
    bot_link: str


def variables_in(text: str, field: str = "texto") -> set[str]:
    """The variable names of `text`; InvalidInput (pt-BR) for unknown names or bad braces."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        raise InvalidInput(
            f"{field}: chave {{ ou }} sem par; para escrever uma chave, use {{{{ ou }}}}"
        ) from None
    found: set[str] = set()
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name or spec or conversion:
            raise InvalidInput(
                f"{field}: variável inválida {{{name}}}; use só o nome, como {{primeiro_nome}}"
            )
        if name not in VARIABLES:
            known = ", ".join(f"{{{v}}}" for v in VARIABLES)
            raise InvalidInput(
                f"{field}: variável desconhecida {{{name}}}; as variáveis são {known}"
            )
        found.add(name)
    return found


def identity_footer(values: dict[str, str]) -> str:
    return f"{values['empresa']} - CNPJ {values['cnpj']}"


def _names_creditor(text: str, values: dict[str, str]) -> bool:
    return values["empresa"] in text and values["cnpj"] in text


def render(template: MessageTemplate, values: dict[str, str]) -> Rendered:
    """The template for one debtor: variables filled, the creditor's identity made sure of."""
    channel = DeliveryChannel(template.channel)
    text = template.text.format_map(values).strip()
    if not _names_creditor(text, values):
        text = f"{text}\n{identity_footer(values)}"
    subject = html = None
    if channel == DeliveryChannel.EMAIL:
        subject = (template.subject or "").format_map(values).strip()
        if template.html:
            escaped = {k: html_lib.escape(v) for k, v in values.items()}
            html = template.html.format_map(escaped)
            if not _names_creditor(html, escaped):
                html = f"{html}\n<p><small>{identity_footer(escaped)}</small></p>"
    if channel == DeliveryChannel.SMS:
        return Rendered(None, text, None, sms_segments(text), encoding(text))
    return Rendered(subject, text, html)


def values_for(debtor: Debtor, settings: MessageConfig) -> dict[str, str]:
    days = (debtor.today - debtor.oldest_due).days if debtor.oldest_due else 0
    return {
        "primeiro_nome": debtor.name.split()[0].title() if debtor.name.split() else "",
        "nome": debtor.name.title(),
        # Babel puts a no-break space after "R$": not GSM-7, it would halve an SMS.
        "total": brl(debtor.total).replace("\xa0", " "),
        "vencimento_mais_antigo": date_br(debtor.oldest_due) if debtor.oldest_due else "",
        "dias_atraso": str(max(days, 0)),
        "link_pagamento": debtor.payment_link,
        "link_bot": debtor.bot_link,
        "empresa": settings.isp_name,
        "cnpj": settings.isp_cnpj,
        "telefone_empresa": settings.isp_phone or NO_PHONE,
    }


def sample_values(settings: MessageConfig, today: date) -> dict[str, str]:
    """A made-up debtor for the preview and the checks on save."""
    base = settings.public_base_url.rstrip("/")
    bot = settings.telegram_bot_username or "SeuProvedorBot"
    debtor = Debtor(
        name="MARIA DA SILVA",
        total=Decimal("289.70"),
        oldest_due=today - timedelta(days=47),
        today=today,
        payment_link=f"{base}/p/AAAAAAAAAAAAAAAAAAAAAAAA",
        bot_link=f"https://t.me/{bot}?start=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    )
    return values_for(debtor, settings)


def check(data: dict[str, Any]) -> dict[str, Any]:
    """The template's fields, cleaned and checked per channel (InvalidInput in pt-BR)."""
    channel = DeliveryChannel(data["channel"])
    name = (data.get("name") or "").strip()
    text = (data.get("text") or "").strip()
    if not name:
        raise InvalidInput("name: dê um nome ao modelo")
    if not text:
        raise InvalidInput("text: escreva o texto da mensagem")
    variables_in(text, "text")
    clean = {
        "channel": channel,
        "name": name,
        "text": text,
        "subject": None,
        "html": None,
        "active": bool(data.get("active", True)),
    }
    if channel == DeliveryChannel.EMAIL:
        subject = (data.get("subject") or "").strip()
        if not subject:
            raise InvalidInput("subject: o e-mail precisa de um assunto")
        variables_in(subject, "subject")
        html = (data.get("html") or "").strip() or None
        if html:
            variables_in(html, "html")
        clean["subject"], clean["html"] = subject, html
    elif data.get("subject") or data.get("html"):
        raise InvalidInput(
            f"subject/html: só o e-mail tem assunto e HTML, não o {_CHANNEL_NAMES[channel]}"
        )
    return clean


def preview(data: dict[str, Any], settings: MessageConfig, today: date) -> Rendered:
    """The template (saved or not) rendered for the sample debtor; InvalidInput when bad."""
    clean = check(data)
    return render(MessageTemplate(**clean), sample_values(settings, today))


# --- the catalog ------------------------------------------------------------------------------


async def list_templates(channel: DeliveryChannel | str | None = None) -> list[MessageTemplate]:
    query = MessageTemplate.all()
    if channel:
        query = query.filter(channel=DeliveryChannel(channel))
    return list(await query.order_by("channel", "name", "id"))


async def get_template(template_id: int) -> MessageTemplate:
    return await catalog.existing(MessageTemplate, template_id, "modelo de mensagem")


async def save_template(
    by: User,
    data: dict[str, Any],
    settings: MessageConfig,
    today: date,
    template_id: int | None = None,
) -> MessageTemplate:
    """Create (no id) or change a template, audited. An SMS over `MAX_SEGMENTS` segments for
    the sample debtor, or a channel change while actions use it, is refused."""
    ensure(by, Permission.CONFIGURE)
    rendered = preview(data, settings, today)
    clean = check(data)
    if rendered.segments is not None and rendered.segments > MAX_SEGMENTS:
        raise InvalidInput(
            f"text: o SMS ocupa {rendered.segments} partes; o máximo é {MAX_SEGMENTS}"
        )
    try:
        if template_id is None:
            return await catalog.create(MessageTemplate, clean, by)
        template = await get_template(template_id)
        if (
            clean["channel"] != template.channel
            and await CollectionAction.filter(message_template_id=template.id).exists()
        ):
            raise Conflict("channel: o modelo é usado por ações de régua; o canal não pode mudar")
        return await catalog.update(template, clean, by)
    except IntegrityError:
        raise Conflict(f"name: já existe um modelo chamado {clean['name']!r}") from None


async def delete_template(by: User, template_id: int) -> None:
    """Refused (Conflict) while a rule action uses it."""
    await catalog.delete(await get_template(template_id), by)


async def template_for_action(template_id: int | None, kind: str, number: int = 1) -> None:
    """InvalidInput unless the template exists and is of the action's channel (`number`: the
    action's place in the rule, from 1, for the message)."""
    if template_id is None:
        return
    template = await MessageTemplate.get_or_none(id=template_id)
    if template is None:
        raise InvalidInput(f"actions: ação {number}: modelo de mensagem {template_id} não existe")
    if template.channel != kind:
        action = _CHANNEL_NAMES.get(kind, "ligação do robô")
        raise InvalidInput(
            f"actions: ação {number}: o modelo {template.name!r} é de "
            f"{_CHANNEL_NAMES[template.channel]}, não serve para uma ação de {action}"
        )


# --- the defaults of a fresh install -------------------------------------------------------


def default_templates() -> list[dict[str, Any]]:
    """The templates of templates/messages/defaults.toml, checked like any other."""
    with DEFAULTS_FILE.open("rb") as file:
        listed = tomllib.load(file)["template"]
    return [check({**t, "active": True}) for t in listed]


async def seed_defaults() -> int:
    """Add the default templates whose names are not taken yet (the demo and a reset catalog);
    how many were added. A fresh install gets them from migration 0010."""
    taken = set(await MessageTemplate.all().values_list("name", flat=True))
    fresh = [v for v in default_templates() if v["name"] not in taken]
    await MessageTemplate.bulk_create([MessageTemplate(**v) for v in fresh])
    return len(fresh)
