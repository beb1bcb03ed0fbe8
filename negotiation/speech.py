"""What a caller said, as the keys they could have pressed: "cinco dois nove" → "529",
"sim" → "1", "atendente" → "0". Speech recognition gives pt-BR words; the voice dialog only
reads keys, so every question works the same spoken or typed."""

from __future__ import annotations

import re
import unicodedata

_WORDS = {
    "zero": "0",
    "um": "1",
    "uma": "1",
    "dois": "2",
    "duas": "2",
    "tres": "3",
    "quatro": "4",
    "cinco": "5",
    "seis": "6",
    "meia": "6",  # "meia" is how Brazilians say a six in a string of digits
    "sete": "7",
    "oito": "8",
    "nove": "9",
}
_YES = {"sim", "isso", "confirmo", "confirmar", "sou", "sou eu", "correto", "pode"}
_NO = {"nao", "nao sou", "errado", "voltar"}
_PERSON = {"atendente", "pessoa", "humano", "falar com atendente", "operador"}
_REPEAT = {"repetir", "de novo", "repete"}

PERSON_KEY = "0"
REPEAT_KEY = "9"
YES_KEY = "1"
NO_KEY = "2"


def plain(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: "Não." → "nao"."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split())


def keys(digits: str | None, speech: str | None, *, yes_no: bool, repeat: bool) -> str:
    """What the person pressed or said, as keys: "1", "529", "15000". Speech: digits said one
    by one ("cinco dois nove"), "sim"/"não" (1/2 where the question is `yes_no`), "atendente"
    (0), "repetir" (9, where the question can be `repeat`ed). "" when nothing usable came."""
    if digits:
        return re.sub(r"[^0-9*#]", "", digits).rstrip("#")
    said = plain(speech or "")
    if not said:
        return ""
    if said in _PERSON:
        return PERSON_KEY
    if said in _REPEAT and repeat:
        return REPEAT_KEY
    if yes_no:
        if said in _YES:
            return YES_KEY
        if said in _NO:
            return NO_KEY
    out = []
    for word in said.split():
        if word.isdigit():
            out.append(word)
        elif word in _WORDS:
            out.append(_WORDS[word])
    return "".join(out)
