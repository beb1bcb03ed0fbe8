"""Message templates: known variables only, the creditor always named, SMS segments counted."""

from __future__ import annotations

from datetime import date

import pytest

from models import MessageTemplate
from negotiation import message_templates as mt
from negotiation.errors import InvalidInput
from negotiation.sms_text import encoding, sms_segments
from tests.factories import SETTINGS

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Olá, {nome_do_cliente}", "variável desconhecida {nome_do_cliente}"),
        ("Olá, {primeiro_nome", "chave { ou } sem par"),
        ("Total: {total:>10}", "variável inválida {total}"),
        ("Total: {total!r}", "variável inválida {total}"),
        ("Olá, {}", "variável inválida {}"),
    ],
)
def test_unknown_or_malformed_variables_are_refused_in_portuguese(text, message):
    with pytest.raises(InvalidInput, match=r"^text: ") as caught:
        mt.check({"channel": "sms", "name": "x", "text": text})
    assert message in str(caught.value)


def test_email_needs_a_subject_and_only_email_has_one():
    with pytest.raises(InvalidInput, match="subject: o e-mail precisa de um assunto"):
        mt.check({"channel": "email", "name": "x", "text": "Oi"})
    with pytest.raises(InvalidInput, match="só o e-mail tem assunto"):
        mt.check({"channel": "sms", "name": "x", "text": "Oi", "subject": "Assunto"})


def test_a_literal_brace_is_doubled():
    rendered = mt.preview(
        {"channel": "telegram", "name": "x", "text": "{{ok}} {empresa}"}, SETTINGS, TODAY
    )
    assert rendered.text.startswith("{ok} Provedor Exemplo Ltda")


def test_the_identity_footer_is_added_only_when_the_creditor_is_not_named():
    bare = mt.preview({"channel": "sms", "name": "x", "text": "Pague {total}"}, SETTINGS, TODAY)
    assert bare.text == "Pague R$ 289,70\nProvedor Exemplo Ltda - CNPJ 11.222.333/0001-81"
    named = mt.preview(
        {"channel": "sms", "name": "x", "text": "{empresa} ({cnpj}): pague {total}"},
        SETTINGS,
        TODAY,
    )
    assert named.text == "Provedor Exemplo Ltda (11.222.333/0001-81): pague R$ 289,70"
    mail = mt.preview(
        {"channel": "email", "name": "x", "subject": "Aviso", "text": "Oi", "html": "<p>Oi</p>"},
        SETTINGS,
        TODAY,
    )
    assert "11.222.333/0001-81" in mail.text and "11.222.333/0001-81" in mail.html


def test_variables_are_html_escaped_in_the_html_part():
    settings = SETTINGS.model_copy(update={"isp_name": "Net & Cia"})
    mail = mt.preview(
        {
            "channel": "email",
            "name": "x",
            "subject": "Aviso",
            "text": "{empresa}",
            "html": "{empresa} {cnpj}",
        },
        settings,
        TODAY,
    )
    assert mail.html == "Net &amp; Cia 11.222.333/0001-81" and mail.text.startswith("Net & Cia")


def test_sms_segments_gsm7_and_ucs2():
    assert (sms_segments("a" * 160), encoding("a" * 160)) == (1, "GSM-7")
    assert sms_segments("a" * 161) == 2 and sms_segments("a" * 306) == 2
    assert sms_segments("a" * 307) == 3
    assert sms_segments("{}" + "a" * 157) == 2  # { and } take two septets each
    assert (sms_segments("ã" * 70), encoding("ã")) == (1, "UCS-2")
    assert sms_segments("ã" * 71) == 2 and sms_segments("ã" * 134) == 2
    assert sms_segments("ã" * 135) == 3
    # The total's no-break space would make an SMS UCS-2: the variable uses a plain space.
    rendered = mt.preview(
        {"channel": "sms", "name": "x", "text": "{empresa} {cnpj} {total}"}, SETTINGS, TODAY
    )
    assert (rendered.encoding, rendered.segments) == ("GSM-7", 1)


def test_the_defaults_are_valid_and_name_the_creditor():
    defaults = mt.default_templates()
    assert sorted(t["channel"] for t in defaults) == ["email", "sms", "telegram"]
    for values in defaults:
        rendered = mt.render(MessageTemplate(**values), mt.sample_values(SETTINGS, TODAY))
        body = rendered.text
        assert "{empresa} - CNPJ {cnpj}".format_map(mt.sample_values(SETTINGS, TODAY)) in body or (
            "11.222.333/0001-81" in body and "Provedor Exemplo Ltda" in body
        )
        if values["channel"] == "sms":
            assert rendered.encoding == "GSM-7" and rendered.segments <= 2


async def test_seeding_adds_only_what_is_missing(db):
    assert await mt.seed_defaults() == 3
    assert await mt.seed_defaults() == 0
    assert await MessageTemplate.all().count() == 3
