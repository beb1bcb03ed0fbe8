"""PIX BR Code: public examples, rejections with their reason, round trips and the QR image."""

from __future__ import annotations

import io
import string
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from negotiation.errors import InvalidInput
from negotiation.payments.pix import (
    PixPayload,
    ascii_text,
    build_dynamic,
    build_static,
    crc16,
    encode,
    key_type,
    normalize_key,
    parse,
    qr_png,
    shorten_at_word,
)

BCB_KEY = "123e4567-e12b-12d1-a456-426655440000"

# Public BR Codes, each with the fields it must parse to. Sources:
# - bcb_static: Banco Central's example in the "Manual de Padrões para Iniciação do Pix"
#   (quoted by many test suites, e.g. as "exemplo oficial do manual do BCB").
# - bcb_dynamic: the manual's dynamic example, as in the README of rprata/pixcode.
# - brcode_manual: the "Manual do BR Code" example with other arrangements (04, 27, 80) and
#   a postal code, from the tests of naomijub/brcode (tests/lib.rs, the JS and Dart ports).
# - gist_dynamic: gist matheusb-comp/1efa205b3c0ffd7af1e8ce63a10e02dc ("Exemplos de formato
#   PIX", section 6.2 of the manual).
# - openpix_test: a test-account charge of the OpenPix PSP (alvaro-alvs/alvaro-alvs,
#   src/data/fake.ts): dynamic, 25-character txid, amount 0.99.
# - description_teste, amount_1, amount_123_45: expected payloads in test suites of
#   public PIX generators (description "Teste" with txid "123"; upper-case GUI with 1.00;
#   123.45, the C# "independent CRC vector").
# - parser_static, parser_dynamic: the pix-brcode-parser (npm) test suite, e-mail key and
#   postal code, point of initiation 11 and 12.
EXAMPLES: dict[str, tuple[str, dict[str, object]]] = {
    "bcb_static": (
        "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
        "5913Fulano de Tal6008BRASILIA62070503***63041D3D",
        {"key": BCB_KEY, "key_type": "evp", "name": "Fulano de Tal", "city": "BRASILIA",
         "amount": None, "txid": "***", "dynamic": False, "crc": "1D3D"},
    ),
    "bcb_dynamic": (
        "00020101021226720014br.gov.bcb.pix2550bx.com.br/pix/8b3da2f3-9a41-40d1-a91a-bd93113bd441"
        "5204000053039865406123.455802BR5913Fulano de Tal6008BRASILIA62190515RP12345678-2019"
        "630445C8",
        {"url": "bx.com.br/pix/8b3da2f3-9a41-40d1-a91a-bd93113bd441", "key": None,
         "point_of_initiation": "12", "amount": "123.45", "name": "Fulano de Tal",
         "city": "BRASILIA", "txid": "RP12345678-2019", "dynamic": True},
    ),
    "brcode_manual": (
        "00020104141234567890123426580014BR.GOV.BCB.PIX0136123e4567-e12b-12d1-a456-426655440000"
        "27300012BR.COM.OUTRO011001234567895204000053039865406123.455802BR5917NOME DO RECEBEDOR"
        "6008BRASILIA61087007490062190515RP12345678-201980390012BR.COM.OUTRO01190123.ABCD.3456."
        "WXYZ6304AD38",
        {"key": BCB_KEY, "gui": "BR.GOV.BCB.PIX", "amount": "123.45",
         "name": "NOME DO RECEBEDOR", "city": "BRASILIA", "postal_code": "70074900",
         "txid": "RP12345678-2019",
         "extra": {"04": "12345678901234", "27": "0012BR.COM.OUTRO01100123456789",
                   "80": "0012BR.COM.OUTRO01190123.ABCD.3456.WXYZ"}},
    ),
    "gist_dynamic": (
        "00020101021226770014BR.GOV.BCB.PIX2555pix.example.com/qr/93598be0-1bd0-4997-8318-"
        "81776a1d8a995204000053039865802BR5907EMPRESA6009SAO PAULO62070503***6304EEAB",
        {"url": "pix.example.com/qr/93598be0-1bd0-4997-8318-81776a1d8a99", "amount": None,
         "name": "EMPRESA", "city": "SAO PAULO", "txid": "***", "dynamic": True},
    ),
    "openpix_test": (
        "00020101021226950014br.gov.bcb.pix2573api.openpix.com.br/api/testaccount/qr/v1/"
        "76b78b30595a4adba28b1831eb65c0ff52040000530398654040.995802BR5921OXX_SOLUCOES_DIGITAIS"
        "6009Sao_Paulo6229052576b78b30595a4adba28b1831e63043D8B",
        {"url": "api.openpix.com.br/api/testaccount/qr/v1/76b78b30595a4adba28b1831eb65c0ff",
         "amount": "0.99", "name": "OXX_SOLUCOES_DIGITAIS", "city": "Sao_Paulo",
         "txid": "76b78b30595a4adba28b1831e"},
    ),
    "description_teste": (
        "00020126670014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400000205Teste5204000053"
        "0398654045.005802BR5913Fulano de Tal6008BRASILIA6207050312363040E95",
        {"key": BCB_KEY, "description": "Teste", "amount": "5.00", "txid": "123"},
    ),
    "amount_1": (
        "00020126580014BR.GOV.BCB.PIX0136123e4567-e12b-12d1-a456-42665544000052040000530398654041"
        ".005802BR5913Fulano de Tal6008BRASILIA62070503***630451B8",
        {"key": BCB_KEY, "gui": "BR.GOV.BCB.PIX", "amount": "1.00", "txid": "***"},
    ),
    "amount_123_45": (
        "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865406"
        "123.455802BR5913FULANO DE TAL6008BRASILIA62070503***6304488D",
        {"key": BCB_KEY, "amount": "123.45", "name": "FULANO DE TAL"},
    ),
    "parser_static": (
        "00020101021126370014BR.GOV.BCB.PIX0115abc@example.com5204000053039865406123.455802BR"
        "5907MATHEUS6008SAOPAULO61081234567862100506abc1236304E2F7",
        {"key": "abc@example.com", "key_type": "email", "point_of_initiation": "11",
         "postal_code": "12345678", "txid": "abc123", "city": "SAOPAULO"},
    ),
    "parser_dynamic": (
        "00020101021226370014BR.GOV.BCB.PIX0115abc@example.com5204000053039865406123.455802BR"
        "5907MATHEUS6008SAOPAULO61081234567862100506abc12363042275",
        {"key": "abc@example.com", "point_of_initiation": "12", "amount": "123.45"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", EXAMPLES)
def test_public_example_crc_fields_and_reencoding(name: str) -> None:
    payload, expected = EXAMPLES[name]
    assert crc16(payload[:-4]) == payload[-4:]
    parsed = parse(payload)
    fields = parsed.as_dict()
    for field_name, value in expected.items():
        assert fields[field_name] == value, field_name
    assert fields["currency"] == "986" and fields["country"] == "BR"
    # All of them are in canonical (ascending ID) order: re-encoding gives them back.
    assert encode(parsed) == payload


def test_bcb_example_is_built_from_its_fields() -> None:
    assert build_static(BCB_KEY, "Fulano de Tal", "BRASILIA") == EXAMPLES["bcb_static"][0]
    assert (
        build_static(BCB_KEY, "Fulano de Tal", "BRASILIA", Decimal("5"), "123", "Teste")
        == EXAMPLES["description_teste"][0]
    )
    # The gist writes the GUI in upper case; ours is the manual's lower case.
    gist = EXAMPLES["gist_dynamic"][0]
    url = "https://pix.example.com/qr/93598be0-1bd0-4997-8318-81776a1d8a99"
    assert build_dynamic(url, "EMPRESA", "SAO PAULO") == _with_crc(
        gist[:-8].replace("BR.GOV.BCB.PIX", "br.gov.bcb.pix")
    )


def test_crc16_check_value() -> None:
    assert crc16("123456789") == "29B1"  # the catalogued CRC-16/CCITT-FALSE check value


# --- rejections --------------------------------------------------------------------------


def _with_crc(body: str) -> str:
    body += "6304"
    return body + crc16(body)


def test_wrong_crc_names_expected_and_given() -> None:
    good = EXAMPLES["bcb_static"][0]
    with pytest.raises(InvalidInput, match=r"^CRC esperado 1D3D, veio 1D3E$"):
        parse(good[:-4] + "1D3E")
    tampered = good.replace("BRASILIA", "BRASILIO")
    with pytest.raises(InvalidInput, match=r"CRC esperado .*, veio 1D3D"):
        parse(tampered)


def test_published_codes_with_mistakes_are_rejected() -> None:
    # Copied from public pages with a CRC that belongs to another code.
    kelly = (
        "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000520400005303986"
        "540510.005802BR5913KELLY FASHION6009SAO PAULO62410503***63041D3D"
    )
    with pytest.raises(InvalidInput, match="CRC esperado ADD4, veio 1D3D"):
        parse(kelly)
    # The gist's static example declares 62 with 8 characters for "0503***" (7): the CRC
    # is right but the layout is not.
    gist_static = (
        "00020126360014BR.GOV.BCB.PIX0114+55119432143215204000053039865405"
        "66.665802BR5907EMPRESA6008BRASILIA62080503***6304170E"
    )
    with pytest.raises(InvalidInput, match="says 41 characters but only 3 are left"):
        parse(gist_static)
    # A real-looking code whose city has 19 characters (limit 15).
    prudente = (
        "00020126580014br.gov.bcb.pix0136bee05743-4291-4f3c-9259-595df1307ba1520400005303986"
        "540510.005802BR5914Alexandre Lima6019Presidente Prudente62180514Um-Id-Qualquer6304D475"
    )
    with pytest.raises(InvalidInput, match=r"field 60 \(merchant city\): 19 characters"):
        parse(prudente)


def test_wrong_length_is_rejected() -> None:
    body = EXAMPLES["bcb_static"][0][:-8].replace("5913Fulano de Tal", "5920Fulano de Tal")
    with pytest.raises(InvalidInput, match="payload"):
        parse(_with_crc(body))
    over = EXAMPLES["bcb_static"][0][:-8].replace("5913Fulano de Tal", "5926" + "A" * 26)
    with pytest.raises(InvalidInput, match=r"field 59 \(merchant name\): 26 characters"):
        parse(_with_crc(over))


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("5802BR", r"missing field 58 \(country code\)"),
        ("5913Fulano de Tal", r"missing field 59 \(merchant name\)"),
        ("6008BRASILIA", r"missing field 60 \(merchant city\)"),
        ("62070503***", r"missing field 62"),
        ("5303986", r"missing field 53 \(currency\)"),
        ("52040000", r"missing field 52"),
        ("0136123e4567-e12b-12d1-a456-426655440000", "missing the key"),
    ],
)
def test_missing_mandatory_fields_are_rejected(remove: str, message: str) -> None:
    body = EXAMPLES["bcb_static"][0][:-8].replace(remove, "")
    if remove.startswith("0136"):
        body = body.replace("2658", "2618")
    with pytest.raises(InvalidInput, match=message):
        parse(_with_crc(body))


def test_unknown_structure_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="6304"):
        parse("hello")
    with pytest.raises(InvalidInput, match="field 70 is not part"):
        parse(_with_crc(EXAMPLES["bcb_static"][0][:-8] + "7002XX"))
    with pytest.raises(InvalidInput, match="start with field 00"):
        parse(_with_crc(EXAMPLES["bcb_static"][0][6:-8]))
    with pytest.raises(InvalidInput, match=r"GUI 'br\.gov\.bcb\.pyx'"):
        parse(_with_crc(EXAMPLES["bcb_static"][0][:-8].replace("br.gov.bcb.pix", "br.gov.bcb.pyx")))
    with pytest.raises(InvalidInput, match="printable ASCII"):
        parse("São" + EXAMPLES["bcb_static"][0])


# --- building ----------------------------------------------------------------------------


def test_keys_are_validated_and_normalized() -> None:
    assert normalize_key("529.982.247-25") == "52998224725"
    assert normalize_key("11.222.333/0001-81") == "11222333000181"
    assert normalize_key("Maria@Exemplo.com") == "maria@exemplo.com"
    assert normalize_key("+55 (11) 98765-4321") == "+5511987654321"
    assert normalize_key(BCB_KEY.upper()) == BCB_KEY
    assert [key_type(k) for k in ("52998224725", "11222333000181", "+5511987654321")] == [
        "cpf",
        "cnpj",
        "phone",
    ]
    for bad, reason in [
        ("529.982.247-26", "not a valid CPF"),
        ("11.222.333/0001-82", "not a valid CNPJ"),
        ("+1 415 555 0100", r"\+55"),
        ("1234", "neither a CPF"),
        ("not a key", "not a PIX key"),
        ("a@b", "not a valid e-mail"),
    ]:
        with pytest.raises(InvalidInput, match=reason):
            build_static(bad, "Loja", "Recife")


def test_accents_are_removed_and_other_characters_rejected() -> None:
    p = parse(build_static(BCB_KEY, "Padaria São José", "Maceió", Decimal("10.5")))
    assert (p.name, p.city, p.amount) == ("Padaria Sao Jose", "Maceio", Decimal("10.50"))
    with pytest.raises(InvalidInput, match=r"name: .* cannot carry"):
        build_static(BCB_KEY, "Café ☕", "Recife")
    with pytest.raises(InvalidInput, match=r"city: .* cannot carry"):
        build_static(BCB_KEY, "Loja", "東京")


def test_long_name_is_rejected_or_shortened_at_a_word_boundary() -> None:
    name = "Provedor de Internet Sao Joao Ltda"  # 34 characters
    with pytest.raises(InvalidInput, match=r"name: .* has 34 characters, the limit is 25"):
        build_static(BCB_KEY, name, "Recife")
    p = parse(build_static(BCB_KEY, name, "São João de Meriti", shorten=True))
    assert p.name == "Provedor de Internet Sao"
    assert p.city == "Sao Joao de"
    with pytest.raises(InvalidInput, match=r"city: .* has 18 characters, the limit is 15"):
        build_static(BCB_KEY, "Loja", "São João de Meriti")
    with pytest.raises(InvalidInput, match="cannot be shortened"):
        build_static(BCB_KEY, "Loja", "Pindamonhangabaguacu", shorten=True)
    assert shorten_at_word("Fulano de Tal", 25) == "Fulano de Tal"
    assert shorten_at_word("Fulano de Tal", 9) == "Fulano de"
    assert shorten_at_word("Fulano de Tal", 8) == "Fulano"


def test_amount_txid_description_and_location_rules() -> None:
    with pytest.raises(InvalidInput, match="more than two decimal places"):
        build_static(BCB_KEY, "Loja", "Recife", Decimal("1.005"))
    with pytest.raises(InvalidInput, match="more than zero"):
        build_static(BCB_KEY, "Loja", "Recife", Decimal("0"))
    with pytest.raises(InvalidInput, match="13 characters"):
        build_static(BCB_KEY, "Loja", "Recife", Decimal("12345678901.00"))
    assert parse(build_static(BCB_KEY, "Loja", "Recife", Decimal("1234567890.00"))).amount
    with pytest.raises(InvalidInput, match=r"txid: .* letters and digits"):
        build_static(BCB_KEY, "Loja", "Recife", txid="com-hifen")
    with pytest.raises(InvalidInput, match="txid"):
        build_static(BCB_KEY, "Loja", "Recife", txid="A" * 26)
    assert parse(build_static(BCB_KEY, "Loja", "Recife", txid="A" * 25)).txid == "A" * 25
    with pytest.raises(InvalidInput, match=r"description: .* at most 37 fit"):
        build_static(BCB_KEY, "Loja", "Recife", description="x" * 38)
    with pytest.raises(InvalidInput, match="https"):
        build_dynamic("http://psp.example.com/qr/1", "Loja", "Recife")
    dynamic = parse(build_dynamic("psp.example.com/qr/v2/abc", "Loja", "Recife", "9.90"))
    assert (dynamic.point_of_initiation, dynamic.txid, dynamic.dynamic) == ("12", "***", True)
    assert dynamic.amount == Decimal("9.90")


# --- round trips -------------------------------------------------------------------------


def _cpf(base: list[int]) -> str:
    digits = list(base)
    for size in (9, 10):
        rest = sum(d * w for d, w in zip(digits, range(size + 1, 1, -1), strict=False)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    return "".join(map(str, digits))


keys = st.one_of(
    st.uuids().map(str),
    st.lists(st.integers(0, 9), min_size=9, max_size=9).filter(lambda d: len(set(d)) > 1).map(_cpf),
    st.from_regex(r"\+55[1-9]{2}9[0-9]{8}", fullmatch=True),
    st.tuples(
        st.text(string.ascii_lowercase + string.digits + "._", min_size=1, max_size=20),
        st.sampled_from(["provedor.com.br", "exemplo.com", "net.br"]),
    ).map(lambda t: f"{t[0]}@{t[1]}"),
)
words = st.text("abcdefghijklmnopqrstuvwxyzáéíóúãõçÁÉÇ", min_size=1, max_size=8)
names = st.lists(words, min_size=1, max_size=6).map(" ".join)
amounts = st.one_of(
    st.none(), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
)
txids = st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9]{1,25}", fullmatch=True))


@settings(max_examples=200, deadline=None)
@given(key=keys, name=names, city=names, amount=amounts, txid=txids)
def test_static_round_trip(
    key: str, name: str, city: str, amount: Decimal | None, txid: str | None
) -> None:
    payload = build_static(key, name, city, amount, txid, shorten=True)
    parsed = parse(payload)
    assert parsed.key == normalize_key(key)
    assert key_type(parsed.key) is not None
    assert parsed.amount == amount
    assert parsed.txid == (txid or "***")
    assert 1 <= len(parsed.name) <= 25 and 1 <= len(parsed.city) <= 15
    assert parsed.name.isascii() and parsed.city.isascii()
    # Shortened on purpose, at a word boundary: a prefix of whole words.
    for short, full in ((parsed.name, name), (parsed.city, city)):
        whole = ascii_text(full, "text")
        assert whole == short or whole.startswith(short + " ")
    assert encode(parsed) == payload


@settings(max_examples=100, deadline=None)
@given(
    location=st.uuids().map(lambda u: f"psp.example.com.br/qr/v2/{u.hex}"),
    name=names,
    city=names,
    amount=amounts,
)
def test_dynamic_round_trip(location: str, name: str, city: str, amount: Decimal | None) -> None:
    payload = build_dynamic("https://" + location, name, city, amount, shorten=True)
    parsed = parse(payload)
    assert (parsed.url, parsed.amount, parsed.txid) == (location, amount, "***")
    assert encode(parsed) == payload


@given(name=st.text(min_size=1, max_size=40))
def test_building_with_any_name_either_works_or_says_why(name: str) -> None:
    try:
        payload = build_static(BCB_KEY, name, "Recife", shorten=True)
    except InvalidInput as exc:
        assert str(exc).startswith("name: ")
    else:
        assert parse(payload).name.isascii()


def test_pix_payload_defaults_encode_to_a_valid_code() -> None:
    payload = encode(PixPayload(name="Loja", city="Recife", key=str(uuid.UUID(int=1))))
    assert parse(payload).key == "00000000-0000-0000-0000-000000000001"


# --- QR image ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bcb_static", "openpix_test", "brcode_manual"])
def test_qr_png_decodes_back_to_the_payload(name: str) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    payload = EXAMPLES[name][0]
    png = qr_png(payload)
    assert png.startswith(b"\x89PNG")
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [r.text for r in results] == [payload]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
