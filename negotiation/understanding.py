"""What a person typed or said, understood once for every channel: "quero a opção 2",
"em seis parcelas", "pode ser", "cento e cinquenta", "já paguei", "não sou eu".

`understand` turns free pt-BR text into an `Understood` (an `Intent` and its value). It is
tolerant of case, accents, repeated letters and typos: each word is first put right against
the words this module knows, with rapidfuzz (a well-kept library, not distance code of our
own); then the phrases are read in an order where the more specific wins ("não reconheço" is
a dispute before it is a "não"). The chat dialog maps intents to its actions; the voice dialog
reads keys, so `negotiation.speech` maps intents to keys. `choose_offer` is the one rule for
"which of the offers listed did the person mean".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz, process

from negotiation import said_numbers


class Intent(StrEnum):
    OPTION = "option"  # value: the offer's number as listed (1, 2, …; -1 is the last one)
    INSTALLMENTS = "installments"  # value: how many; `down_payment` when one was mentioned
    YES = "yes"
    NO = "no"
    AMOUNT = "amount"  # value: Decimal reais
    DIGITS = "digits"  # value: str of digits (a document, a date, keys said one by one)
    PERSON = "person"
    PAID = "paid"
    DISPUTE = "dispute"
    DEBT = "debt"
    OFFERS = "offers"
    AGREEMENTS = "agreements"
    GREETING = "greeting"
    WRONG_PARTY = "wrong_party"
    REPEAT = "repeat"
    OPT_OUT = "opt_out"
    HELP = "help"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Understood:
    intent: Intent
    value: int | Decimal | str | None = None
    down_payment: bool = False


NOTHING = Understood(Intent.UNKNOWN)

_ORDINALS = {
    "primeira": 1,
    "primeiro": 1,
    "segunda": 2,
    "segundo": 2,
    "terceira": 3,
    "terceiro": 3,
    "quarta": 4,
    "quarto": 4,
    "quinta": 5,
    "quinto": 5,
    "sexta": 6,
    "sexto": 6,
    "setima": 7,
    "setimo": 7,
    "oitava": 8,
    "oitavo": 8,
    "nona": 9,
    "nono": 9,
    "decima": 10,
    "decimo": 10,
    "ultima": -1,
    "ultimo": -1,
}

# --- phrases, after each word was put right ------------------------------------------------
# Regular expressions over the plain text (lower case, no accents), each a whole-word match.

_WRONG_PARTY = [
    r"nao sou (eu|ele|ela|o|a)\b",
    r"nao sou$",
    r"^nao e (ele|ela|eu)\b",
    r"\bnao e (o|a) (dono|dona|titular)",
    r"\baqui e (a|o) (esposa|esposo|marido|mulher|mae|pai|filha|filho|irma|irmao|namorada|"
    r"namorado|vizinha|vizinho|empregada|sogra|sogro|tia|tio|avo|prima|primo)",
    r"\b(esposa|esposo|marido|mulher|mae|pai|filha|filho|irma|irmao) (dele|dela)\b",
    r"\b(ele|ela) nao (esta|ta|mora|se encontra)",
    r"\bnumero errado\b",
    r"\bengano\b",
    r"\bnao conheco (ele|ela|essa pessoa|esse|essa|ninguem)",
    r"\bnao (mora|tem) ningu[e]m com esse nome",
    r"\bpessoa errada\b",
]
_DISPUTE = [
    r"\bnao reconheco\b",
    r"\bdesconheco\b",
    r"\bnao (devo|e minha|e meu|eh minha|fiz|contratei|assinei)\b",
    r"\bnunca (contratei|tive|assinei|fui cliente|usei)\b",
    r"\bnao sei (que|o que) (divida|conta|e isso)",
    r"\bfraude\b",
    r"\bgolpe\b",
    r"\bcontest\w*\b",
    r"\bdivida (errada|indevida)\b",
    r"\bcobranca (errada|indevida)\b",
    r"\bnao conheco (essa|esta) (divida|conta|cobranca)",
]
_PAID = [
    r"\bja (paguei|pago|pagou|paguemos|foi pag|esta pag|ta pag|quitei|quitado|acertei|fiz o pag)",
    r"\b(paguei|quitei)\b",
    r"\bja (fiz|mandei) o pix\b",
    r"\bfiz o pagamento\b",
    r"\bcomprovante\b",
    r"\b(esta|ta|foi) (pago|paga|quitada|quitado)\b",
]
_OPT_OUT = [
    r"^(sair|parar|pare|para|stop|chega|cancelar inscricao|descadastrar)$",
    r"\b(quero|pode) (sair|parar)\b",
    r"\bnao (quero|me) mande\w* mais\b",
    r"\bnao quero (mais )?receber\b",
    r"\bpar(a|e) de (me )?(mandar|ligar|enviar|mandando|ligando)\b",
    r"\bdescadastr\w*\b",
    r"\bme (tira|tire|remova|remove) (da|dessa|desta) lista\b",
]
_PERSON = [
    r"\b(atendente|atendentes|operador|operadora|humano|humana|atendimento)\b",
    r"\bpessoa\b(?! errada)",
    r"\bfalar com (alguem|algu[e]m|gente|voces|uma moca|um moco)\b",
    r"\bgente de verdade\b",
]
_REPEAT = [
    r"^(repete|repetir|repita|repete ai|repete por favor|de novo|outra vez|mais uma vez|"
    r"como|o que|hein|oi como|pode repetir|nao entendi|nao ouvi|fala de novo|"
    r"fala outra vez|repete as opcoes|repita as opcoes)$",
    r"\b(repete|repetir|repita)\b",
    r"\bnao (entendi|ouvi|escutei)\b",
]
_DEBT = [
    r"\bquanto (eu )?(devo|to devendo|estou devendo|e a divida|deu|fica)\b",
    r"\bqual (e )?(o valor|a divida|meu debito|o debito|o total)\b",
    r"\b(minha|a|essa|ver|ver a|ver minha) (divida|conta|cobranca)\b",
    r"^(divida|debito|saldo|extrato|meu debito|meu saldo|valor|total)$",
    r"\bquanto (e|sao) (a|as) (conta|contas|boleto|boletos)\b",
    r"\bdo que se trata\b",
    r"\bque (divida|conta|cobranca) e essa\b",
]
_AGREEMENTS = [
    r"^(acordos|acordo|meus acordos|meu acordo|segunda via)$",
    r"\b(meu|meus|o|ver o|ver meu|ver meus) acordos?\b",
    r"\bsegunda via\b",
    r"\b(o )?boleto do acordo\b",
]
_OFFERS = [
    r"^(propostas|proposta|opcoes|ofertas|oferta|negociar|negociacao|parcelamento|"
    r"condicoes|planos)$",
    r"\b(quero|queria|gostaria de|posso|vamos|da pra|como) (negociar|parcelar|pagar|acertar)\b",
    r"\b(ver|quais|mostra|mostre|me mostra) (as )?(propostas|opcoes|ofertas|condicoes)\b",
    r"\bquais (sao )?as (propostas|opcoes|ofertas|condicoes)\b",
]
_HELP = [r"^(ajuda|help|socorro|comandos|o que voce faz)$"]
_GREETING_WORDS = {
    "oi",
    "ola",
    "opa",
    "eai",
    "alo",
    "hello",
    "hi",
    "menu",
    "inicio",
    "start",
    "comecar",
    "salve",
    "oie",
}
_GREETING = [r"^(bom dia|boa tarde|boa noite|e ai|tudo bem|tudo bom)\b"]
_YES = [
    r"^(sim|s|ss|pode|pode ser|claro|claro que sim|isso|isso mesmo|isso ai|confirmo|confirmar|"
    r"confirmado|correto|certo|ok|okay|beleza|blz|fechado|fechou|com certeza|aceito|"
    r"quero|quero sim|sou eu|sou|sou sim|e ele|e ela|e eu|positivo|ta bom|ta|esta bem|"
    r"bora|perfeito|exato|exatamente|uhum|aham|yes|vamos|vai|manda|combinado|de acordo|"
    r"tudo certo|pode confirmar|pode fechar|fecha|eu mesmo|eu mesma|ele mesmo|ela mesma|"
    r"sou eu mesmo|sou eu mesma|falando|e ele mesmo|e ela mesma)$",
    r"^(sim|claro|isso|confirmo|ok|pode ser|com certeza|aceito|fechado|beleza)\b",
]
_NO = [
    r"^(nao|n|nn|no|negativo|nem|errado|voltar|volta|cancela|cancelar|nao quero|"
    r"nao obrigado|nao obrigada|agora nao|deixa pra la|de jeito nenhum|nunca|"
    r"melhor nao|prefiro nao|outra|outra opcao|outras opcoes|nao aceito|nao concordo)$",
    r"^nao\b",
]
_DOWN_PAYMENT = re.compile(r"\b(com|de|dando|dou|dar|e) (uma )?entrada\b|\bentrada\b")
_NO_DOWN_PAYMENT = re.compile(r"\bsem (nenhuma )?entrada\b")
_INSTALLMENT_WORDS = r"(vezes|vez|parcelas|parcela|prestacoes|prestacao|meses|x)"
_AT_ONCE = re.compile(
    r"\b(a vista|avista|de uma vez( so)?|tudo de uma vez|pagamento unico|parcela unica|"
    r"numa parcela so|em uma parcela so)\b"
)
# "quero a 2", "fico com a 3", "a 1", "pode ser a dois"
_PICK = re.compile(
    r"(?:^|\b(?:quero|escolho|fico com|vou de|pode ser|prefiro|vou na|vai na) )(?:a|o) (\S+)$"
)
_OPTION_WORDS = r"(opcao|opcoes|proposta|alternativa|oferta|numero|item|plano)"

# Shorthand people type, as the word it stands for.
_SHORTHAND = {
    "vc": "voce",
    "q": "que",
    "pq": "porque",
    "tb": "tambem",
    "td": "tudo",
    "hj": "hoje",
    "msm": "mesmo",
    "qto": "quanto",
    "qnto": "quanto",
    "naum": "nao",
    "nops": "nao",
    "sn": "sim",
    "pfv": "por favor",
    "pf": "por favor",
    "vzs": "vezes",
    "vzes": "vezes",
    "parc": "parcelas",
    "tah": "ta",
    "eh": "e",
    "atendende": "atendente",
    "op": "opcao",
    "opc": "opcao",
}


def plain(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: "Não." → "nao"; "R$ 150,00"
    keeps its digits apart from the words ("r 150 00")."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split())


def _pattern_words() -> set[str]:
    words: set[str] = set()
    for group in (
        _WRONG_PARTY,
        _DISPUTE,
        _PAID,
        _OPT_OUT,
        _PERSON,
        _REPEAT,
        _DEBT,
        _AGREEMENTS,
        _OFFERS,
        _HELP,
        _GREETING,
        _YES,
        _NO,
    ):
        for pattern in group:
            words.update(re.findall(r"[a-z]{2,}", re.sub(r"\\[a-zA-Z]", " ", pattern)))
    return words


_KNOWN = frozenset(
    _pattern_words()
    | set(said_numbers.NUMBER_WORDS)
    | set(_ORDINALS)
    | _GREETING_WORDS
    | {
        "vezes",
        "parcelas",
        "parcela",
        "parcelar",
        "parcelado",
        "prestacoes",
        "entrada",
        "opcao",
        "proposta",
        "alternativa",
        "oferta",
        "numero",
        "reais",
        "real",
        "centavos",
        "quero",
        "queria",
        "escolho",
        "prefiro",
        "ficar",
        "fico",
        "pagar",
        "paguei",
        "reconheco",
        "atendente",
        "dinheiro",
        "obrigado",
        "obrigada",
        "favor",
        "minha",
        "divida",
        "esposa",
        "marido",
        "vista",
        "avista",
        "isso",
        "essa",
        "esse",
    }
)
# Words short enough that one typo makes another word are never put right.
_VOCABULARY = sorted(w for w in _KNOWN if len(w) >= 4)


@lru_cache(maxsize=4096)
def _right(word: str) -> str:
    """`word` as the word this module knows that it was meant to be ("atendnte" →
    "atendente", "siiim" → "sim"), or as it came."""
    if word in _SHORTHAND:
        return _SHORTHAND[word]
    if word in _KNOWN or word.isdigit():
        return word
    squeezed = _squeeze(word)
    if squeezed in _KNOWN or len(word) < 4:
        return squeezed
    found = process.extractOne(word, _VOCABULARY, scorer=fuzz.ratio, score_cutoff=80)
    return found[0] if found else word


def _squeeze(word: str) -> str:
    """Letters typed over and over ("oiii", "simmm") once; digits are left alone."""
    if word.isdigit():
        return word
    squeezed = re.sub(r"([a-z])\1+", r"\1", word)
    return squeezed if squeezed in _KNOWN else word


def normalized(text: str) -> str:
    """The plain text with each word put right: what the phrases are matched against."""
    words = []
    for word in plain(text).split():
        if m := re.fullmatch(r"(\d+)(x|vezes)", word):  # "6x", "6vezes"
            words.extend((m[1], "x"))
            continue
        words.append(_right(word))
    return " ".join(words)


# Whole phrases, in the order they win: "não, aqui é a esposa dele" is a wrong party before
# it is a "não"; "já paguei, quero falar com alguém" is a payment claim before a person.
_PHRASE_INTENTS: tuple[tuple[Sequence[str], Intent], ...] = (
    (_WRONG_PARTY, Intent.WRONG_PARTY),
    (_DISPUTE, Intent.DISPUTE),
    (_PAID, Intent.PAID),
    (_OPT_OUT, Intent.OPT_OUT),
    (_PERSON, Intent.PERSON),
    (_REPEAT, Intent.REPEAT),
    (_HELP, Intent.HELP),
    (_DEBT, Intent.DEBT),
    (_AGREEMENTS, Intent.AGREEMENTS),
)


def _any(patterns: Sequence[str], text: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def said_digits(text: str | None) -> str:
    """Every digit in `text`, typed or said one by one, in order ("meu cpf é um dois 3" →
    "123")."""
    return said_numbers.digits(normalized(text or "").split())


# --- offers: "a segunda", "em seis vezes" ----------------------------------------------------


def _installments(text: str) -> Understood | None:
    words = text.split()
    down = bool(_DOWN_PAYMENT.search(text)) and not _NO_DOWN_PAYMENT.search(text)
    if _AT_ONCE.search(text):
        return Understood(Intent.INSTALLMENTS, 1, down)
    for i, word in enumerate(words):
        if re.fullmatch(_INSTALLMENT_WORDS, word) and i > 0:
            # the number just before: "6 x", "em seis vezes", "em doze parcelas"
            for start in range(max(0, i - 3), i):
                found = said_numbers.number_at(words, start)
                if found and found[1] == i:
                    return Understood(Intent.INSTALLMENTS, found[0], down)
    if m := re.search(r"\bparcel\w* (em |de )?(ate )?(\S+( e \S+)?)", text):
        tail = m[3].split()
        value = said_numbers.small_number(tail, 0)
        if value:
            return Understood(Intent.INSTALLMENTS, value, down)
    return None


def _option(text: str) -> Understood | None:
    words = text.split()
    for i, word in enumerate(words):
        if word in _ORDINALS:
            near_option = re.search(_OPTION_WORDS, text) is not None
            if near_option or len(words) <= 4:
                return Understood(Intent.OPTION, _ORDINALS[word])
        if re.fullmatch(_OPTION_WORDS, word) and i + 1 < len(words):
            after = words[i + 1 :]
            if after[0] in ("de", "numero", "n"):
                after = after[1:]
            value = said_numbers.small_number(after, 0)
            if value is not None:
                return Understood(Intent.OPTION, value)
    m = _PICK.search(text)
    if m and (value := said_numbers.small_number([m[1]], 0)) is not None and value <= 20:
        return Understood(Intent.OPTION, value)
    m = re.fullmatch(r"(a |o )?(\S+)( (opcao|proposta))?", text)
    value = said_numbers.NUMBER_WORDS.get(m[2]) if m else None
    if value is not None and value <= 20 and (m[1] or m[3]):
        return Understood(Intent.OPTION, value)
    return None


# --- the understanding ------------------------------------------------------------------------


def understand(text: str | None) -> Understood:
    """What `text` (typed or said, pt-BR) means. See the module's docstring."""
    raw = (text or "").strip()
    said = normalized(raw)
    if not said:
        return NOTHING
    words = said.split()
    for patterns, intent in _PHRASE_INTENTS:
        if _any(patterns, said):
            return Understood(intent)
    if found := _installments(said):
        return found
    if found := _option(said):
        return found
    if (amount := said_numbers.amount(said, raw)) is not None:
        return Understood(Intent.AMOUNT, amount)
    if _any(_OFFERS, said):
        return Understood(Intent.OFFERS)
    if words[0] in _GREETING_WORDS or _any(_GREETING, said):
        return Understood(Intent.GREETING)
    if _any(_NO, said):
        return Understood(Intent.NO)
    if _any(_YES, said):
        return Understood(Intent.YES)
    digits = said_numbers.digits(words)
    if digits and len(digits) >= len([w for w in words if w not in ("e", "o", "a")]):
        # Only digits: a small one alone is an offer's number; longer ones are a document,
        # a date or keys said one by one.
        if len(words) == 1 and len(digits) <= 2 and 0 < int(digits) <= 20:
            return Understood(Intent.OPTION, int(digits))
        return Understood(Intent.DIGITS, digits)
    return NOTHING


# --- which offer -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What a person can name of an offer: its installments, and whether it asks a down
    payment."""

    installments: int
    down_payment: bool


def choose_offer(understood: Understood, shapes: Sequence[Shape]) -> int | None:
    """The number (1, 2, …) of the listed offer the person meant, or None.

    An option's number or ordinal names one as listed ("a última" is the last). "N vezes" names
    the first listed offer in N installments; without a down payment unless the person spoke
    of one ("em seis vezes" never picks 6× with a down payment)."""
    if understood.intent == Intent.OPTION and isinstance(understood.value, int):
        number = len(shapes) if understood.value == -1 else understood.value
        return number if 1 <= number <= len(shapes) else None
    if understood.intent == Intent.INSTALLMENTS:
        for number, shape in enumerate(shapes, start=1):
            if shape.installments == understood.value and (
                shape.down_payment == understood.down_payment
            ):
                return number
    return None
