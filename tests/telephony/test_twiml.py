"""TwiML text: the builder's own document, serialized as text without the bytes round trip."""

from __future__ import annotations

import pytest

from negotiation.ivr import Gather, Prompt
from negotiation.voice_prompts import Follow
from quita.settings import Settings
from telephony.twiml import as_text, voice_response, voice_twiml

SETTINGS = Settings(
    database_url="sqlite://:memory:",
    secret_key="x" * 40,
    public_base_url="https://quita.example",
)


@pytest.mark.parametrize(
    "prompt",
    [
        Prompt(("Olá, Conceição & Irmãos <Ltda>.", "Você é João?"), Gather("person", 1, turn=3)),
        Prompt(("Transferindo, aguarde.",), dial="+551933334444"),
        Prompt(("Olá, aqui é a central.",), follow=Follow("hello", pause=1, turn=1)),
        Prompt(("Até logo. Obrigado pela atenção: R$ 1.234,56 às 18h.",), hangup=True),
    ],
)
def test_as_text_is_the_builders_own_document(prompt) -> None:
    response = voice_response(prompt, SETTINGS)
    assert as_text(response) == str(response)
    assert voice_twiml(prompt, SETTINGS) == str(voice_response(prompt, SETTINGS))
    assert as_text(response).startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
