"""The boleto PDF: one A4 page whose ITF barcode and PIX QR code, rasterized and read
back by a real decoder (zxing-cpp), give the 44-digit barcode and the PIX payload, and
whose text layer carries the linha digitável, amount, due date and the ISP (CDC 42-A)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
import zxingcpp

from negotiation.payments import boleto, pix
from negotiation.payments.boleto_pdf import (
    bank_check_digit,
    format_document,
    render_boleto_pdf,
)

ISP_NAME = "Provedor Exemplo Ltda"
ISP_CNPJ = "11.222.333/0001-81"
ISP_ADDRESS = "Rua Fictícia, 100 - Centro, Campinas/SP"
BB = boleto.BancoDoBrasilConfig("1234", "12345", "1234567")
DPI = 300


def _slip() -> boleto.Boleto:
    return boleto.build("001", Decimal("104.50"), date(2026, 12, 20), boleto.free_field(BB, 42))


def _payload() -> str:
    return pix.build_static("11222333000181", ISP_NAME, "Campinas", Decimal("104.50"), "QUITA42")


def _render(slip: boleto.Boleto, payload: str | None, **overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "pix_payload": payload,
        "payer_name": "Maria da Silva",
        "payer_document": "***.456.789-**",
        "installment": "Parcela 2 de 4 do acordo 17",
        "isp_name": ISP_NAME,
        "isp_cnpj": ISP_CNPJ,
        "isp_address": ISP_ADDRESS,
        "our_number": boleto.bb_our_number(BB, 42),
        "issue_date": date(2026, 11, 27),
        "agency_code": "1234 / 12345-6",
        "wallet": "17",
    }
    arguments.update(overrides)
    return render_boleto_pdf(slip, **arguments)  # type: ignore[arg-type]


def _open(data: bytes) -> tuple[int, str, object]:
    """Page count, page 1's text and page 1 rasterized at 300 dpi (a PIL image)."""
    document = pdfium.PdfDocument(data)
    try:
        count = len(document)
        page = document[0]
        width, height = page.get_size()
        text = page.get_textpage().get_text_range()
        image = page.render(scale=DPI / 72).to_pil()
        assert (round(width), round(height)) == (595, 842)  # A4 in points
        return count, text, image
    finally:
        document.close()


def _decoded(image: object, fmt: zxingcpp.BarcodeFormat) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image, formats=fmt) if r.format == fmt]


@pytest.fixture(scope="module")
def hybrid() -> tuple[boleto.Boleto, str, int, str, object]:
    slip, payload = _slip(), _payload()
    count, text, image = _open(_render(slip, payload))
    return slip, payload, count, text, image


def test_is_a_one_page_pdf(hybrid) -> None:
    count = hybrid[2]
    assert count == 1


def test_itf_barcode_decodes_to_the_44_digits(hybrid) -> None:
    slip, image = hybrid[0], hybrid[4]
    assert _decoded(image, zxingcpp.BarcodeFormat.ITF) == [slip.barcode]


def test_qr_code_decodes_to_the_pix_payload(hybrid) -> None:
    payload, image = hybrid[1], hybrid[4]
    assert _decoded(image, zxingcpp.BarcodeFormat.QRCode) == [payload]
    assert pix.parse(payload).amount == Decimal("104.50")


def test_text_layer_has_line_amount_due_date_and_isp(hybrid) -> None:
    slip, payload, _count, text, _image = hybrid
    for expected in (
        slip.formatted_line,
        "R$ 104,50",
        "20/12/2026",
        "27/11/2026",
        ISP_NAME,
        ISP_CNPJ,
        ISP_ADDRESS,
        "001-9",
        "Parcela 2 de 4 do acordo 17",
        "Maria da Silva - CPF ***.456.789-**",
        "Pague com PIX",
        "Recibo do Pagador",
        "Ficha de Compensação",
        "Local de pagamento",
        "Nosso número",
        "12345670000000042",
    ):
        assert expected in text, expected
    # The copy-and-paste text is wrapped over lines but is all there.
    assert payload in text.replace("\r", "").replace("\n", "")


def test_without_pix_there_is_no_qr_and_the_barcode_still_reads() -> None:
    slip = boleto.build(
        "237",
        Decimal("1234.56"),
        date(2027, 3, 5),
        boleto.free_field(boleto.BradescoConfig("1172", "0403005", "06"), 75896452),
    )
    count, text, image = _open(_render(slip, None, payer_document="12345678909"))
    assert count == 1
    assert _decoded(image, zxingcpp.BarcodeFormat.ITF) == [slip.barcode]
    assert _decoded(image, zxingcpp.BarcodeFormat.QRCode) == []
    assert "Pague com PIX" not in text
    for expected in ("237-2", "R$ 1.234,56", "05/03/2027", "CPF 123.456.789-09"):
        assert expected in text, expected


def test_no_due_date_and_the_largest_amount_still_fit_one_page() -> None:
    slip = boleto.build("756", Decimal("99999999.99"), None, "1" * 25)
    long_address = "Avenida " + "Muito Comprida " * 12 + "1000, Campinas/SP"
    count, text, image = _open(
        _render(slip, _payload(), isp_address=long_address, payer_document="11222333000181")
    )
    assert count == 1
    assert _decoded(image, zxingcpp.BarcodeFormat.ITF) == [slip.barcode]
    for expected in ("756-0", "R$ 99.999.999,99", "Contra-apresentação", "CNPJ 11.222.333/0001-81"):
        assert expected in text, expected
    assert "1000, Campinas/SP" in text  # the long address wrapped, not cut


@pytest.mark.parametrize(
    ("bank", "dv"),
    [
        ("001", "9"),
        ("033", "7"),
        ("104", "0"),
        ("041", "8"),
        ("077", "9"),
        ("422", "7"),
        ("237", "2"),
        ("341", "7"),
        ("748", "X"),
        ("756", "0"),
    ],
)
def test_bank_check_digit(bank: str, dv: str) -> None:
    assert bank_check_digit(bank) == dv


@pytest.mark.parametrize(
    ("document", "printed"),
    [
        ("12345678909", "CPF 123.456.789-09"),
        ("11222333000181", "CNPJ 11.222.333/0001-81"),
        ("***.456.789-**", "CPF ***.456.789-**"),
        ("11.222.333/****-**", "CNPJ 11.222.333/****-**"),
        ("passaporte X1", "passaporte X1"),
    ],
)
def test_format_document(document: str, printed: str) -> None:
    assert format_document(document) == printed
