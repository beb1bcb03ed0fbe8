"""The boleto as a one-page A4 PDF (reportlab), in the usual FEBRABAN layout.

Top: the recibo do pagador; middle: "Pague com PIX" with the QR code and the
copy-and-paste text (boleto híbrido); bottom: the ficha de compensação with the bank
code and its check digit, the linha digitável, the fields a bank expects and the ITF
(Interleaved 2 of 5) barcode of the 44 digits: narrow bar 0.254 mm, wide 3x, 13 mm high,
no check digit of its own and no bearer bars.

The beneficiário is the ISP with its name, CNPJ and address (CDC art. 42-A). Money is
"R$ 1.234,56" and dates "27/11/2026" (negotiation.rendering), with plain spaces so the
PDF's text layer reads as printed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from reportlab.graphics.barcode.common import I2of5
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from negotiation.payments import pix
from negotiation.payments.boleto import Boleto, check_barcode
from negotiation.rendering import brl, date_br

BANK_NAMES = {
    "001": "Banco do Brasil",
    "033": "Santander",
    "104": "Caixa",
    "237": "Bradesco",
    "341": "Itaú",
    "748": "Sicredi",
    "756": "Sicoob",
}

FONT = "Helvetica"
BOLD = "Helvetica-Bold"
LABEL_SIZE = 6
VALUE_SIZE = 9

PAGE_W, PAGE_H = A4
MARGIN = 10 * mm
LEFT = MARGIN
RIGHT = PAGE_W - MARGIN
WIDTH = RIGHT - LEFT
SIDE_W = 50 * mm  # the right-hand column (vencimento, valores)
ROW_H = 8.5 * mm

ITF_NARROW = 0.254 * mm
ITF_RATIO = 3.0
ITF_HEIGHT = 13 * mm


def bank_check_digit(bank: str) -> str:
    """The DV printed after the bank code: 001-9, 104-0, 237-2, 341-7, 756-0, 748-X.

    Mod 11 over the code with weights 2, 3, 4 from the right, rests 0 and 1 giving 0;
    Sicredi's "X" is the one published exception (its rest is 1, like Caixa's 104-0).
    """
    if bank in _BANK_DV_EXCEPTIONS:
        return _BANK_DV_EXCEPTIONS[bank]
    dv = 11 - sum(int(ch) * (2 + i) for i, ch in enumerate(reversed(bank))) % 11
    return "0" if dv >= 10 else str(dv)


_BANK_DV_EXCEPTIONS = {"748": "X"}


def format_document(document: str) -> str:
    """ "CPF 123.456.789-09" from bare digits; a masked one ("***.456.789-**") keeps its
    mask and gets its name; anything else is printed as given."""
    text = document.strip()
    chars = re.sub(r"[.\-/ ]", "", text)
    if not chars or set(chars) - set("0123456789*"):
        return text
    if chars.isdigit() and len(chars) == 11:
        return f"CPF {chars[:3]}.{chars[3:6]}.{chars[6:9]}-{chars[9:]}"
    if chars.isdigit() and len(chars) == 14:
        return f"CNPJ {chars[:2]}.{chars[2:5]}.{chars[5:8]}/{chars[8:12]}-{chars[12:]}"
    kind = {11: "CPF", 14: "CNPJ"}.get(len(chars))
    return f"{kind} {text}" if kind else text


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _money(value: Decimal) -> str:
    return _plain(brl(value))


def _wrap_chars(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy wrap by character (the PIX payload has no spaces to break at)."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and stringWidth(current + ch, font, size) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    return lines


class _Page:
    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas

    def text(
        self, x: float, y: float, text: str, size: float = VALUE_SIZE, font: str = FONT
    ) -> None:
        self.c.setFont(font, size)
        self.c.drawString(x, y, _plain(text))

    def text_right(
        self, x: float, y: float, text: str, size: float = VALUE_SIZE, font: str = FONT
    ) -> None:
        self.c.setFont(font, size)
        self.c.drawRightString(x, y, _plain(text))

    def cell(
        self,
        x: float,
        top: float,
        w: float,
        h: float,
        label: str,
        lines: Sequence[str] = (),
        *,
        right: bool = False,
        bold: bool = False,
        size: float = VALUE_SIZE,
    ) -> None:
        """A boxed field: a small label at the top, value lines under it, wrapped to the
        width and set smaller (down to 5 pt) when they would not fit the height."""
        c = self.c
        c.setLineWidth(0.5)
        c.rect(x, top - h, w, h)
        self.text(x + 1.2 * mm, top - 2.6 * mm, label, LABEL_SIZE)
        font = BOLD if bold else FONT
        room = h - 2.6 * mm - 0.8 * mm
        while True:
            pieces = [
                piece
                for line in lines
                for piece in simpleSplit(_plain(line), font, size, w - 2.4 * mm) or [""]
            ]
            if len(pieces) * (size + 1) <= room or size <= 5:
                break
            size -= 0.5
        y = top - 2.6 * mm - size - 0.3 * mm
        for piece in pieces:
            if right:
                self.text_right(x + w - 1.2 * mm, y, piece, size, font)
            else:
                self.text(x + 1.2 * mm, y, piece, size, font)
            y -= size + 1

    def bank_header(self, top: float, bank: str, title: str, *, bold_title: bool) -> float:
        """Bank name | code-DV | title (the linha digitável or "Recibo do Pagador")."""
        c = self.c
        h = 9 * mm
        base = top - h + 2.3 * mm
        self.text(LEFT, base, BANK_NAMES.get(bank, f"Banco {bank}"), 12, BOLD)
        code_x = LEFT + 45 * mm
        c.setLineWidth(1.2)
        c.line(code_x, top - h, code_x, top - h + 7 * mm)
        c.line(code_x + 22 * mm, top - h, code_x + 22 * mm, top - h + 7 * mm)
        self.c.setFont(BOLD, 14)
        c.drawCentredString(code_x + 11 * mm, base, f"{bank}-{bank_check_digit(bank)}")
        font = BOLD if bold_title else FONT
        size = 11.5 if bold_title else 10
        self.text_right(RIGHT, base, title, size, font)
        c.setLineWidth(1.2)
        c.line(LEFT, top - h, RIGHT, top - h)
        return top - h


def render_boleto_pdf(
    slip: Boleto,
    *,
    pix_payload: str | None,
    payer_name: str,
    payer_document: str,
    installment: str,
    isp_name: str,
    isp_cnpj: str,
    isp_address: str,
    our_number: str,
    issue_date: date,
    agency_code: str = "",
    wallet: str = "",
    instructions: Sequence[str] | None = None,
) -> bytes:
    """One A4 page: recibo do pagador, PIX (when given) and ficha de compensação.

    `payer_document` is printed as given when masked, punctuated when it is bare digits.
    `agency_code` is the "Agência/Código do beneficiário" as the bank writes it,
    `instructions` replace the default pt-BR ones.
    """
    check_barcode(slip.barcode)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(f"Boleto {installment} - {isp_name}")
    canvas.setAuthor(isp_name)
    canvas.setSubject(slip.formatted_line)
    page = _Page(canvas)

    due = date_br(slip.due_date) if slip.due_date else "Contra-apresentação"
    amount = _money(slip.amount)
    beneficiary = [f"{isp_name} - CNPJ {isp_cnpj}", isp_address]
    payer = f"{payer_name} - {format_document(payer_document)}"
    if instructions is None:
        instructions = [
            f"{installment}.",
            "Pague até o vencimento em qualquer banco, lotérica ou aplicativo, pelo código"
            " de barras, pela linha digitável ou pelo PIX.",
            "Pague por um só meio: boleto ou PIX.",
            f"Dúvidas: {isp_name}, CNPJ {isp_cnpj}.",
        ]
    main_w = WIDTH - SIDE_W
    side_x = RIGHT - SIDE_W

    # --- recibo do pagador --------------------------------------------------------
    top = PAGE_H - MARGIN
    top = page.bank_header(top, slip.bank, "Recibo do Pagador", bold_title=True)
    page.cell(LEFT, top, main_w, ROW_H + 3 * mm, "Beneficiário", beneficiary)
    page.cell(side_x, top, SIDE_W, ROW_H + 3 * mm, "Vencimento", [due], right=True, bold=True)
    top -= ROW_H + 3 * mm
    quarter = main_w / 4
    page.cell(LEFT, top, quarter, ROW_H, "Agência/Código do beneficiário", [agency_code])
    page.cell(LEFT + quarter, top, quarter, ROW_H, "Nosso número", [our_number])
    page.cell(LEFT + 2 * quarter, top, quarter, ROW_H, "Data do documento", [date_br(issue_date)])
    page.cell(LEFT + 3 * quarter, top, quarter, ROW_H, "Parcela", [installment], size=7)
    page.cell(side_x, top, SIDE_W, ROW_H, "(=) Valor do documento", [amount], right=True, bold=True)
    top -= ROW_H
    page.cell(LEFT, top, WIDTH, ROW_H, "Pagador", [payer])
    top -= ROW_H
    page.text(LEFT, top - 4 * mm, "Linha digitável:", 7)
    page.text(LEFT + 22 * mm, top - 4 * mm, slip.formatted_line, 10, BOLD)
    page.text_right(RIGHT, top - 4 * mm, "Autenticação mecânica", LABEL_SIZE)
    top -= 8 * mm

    # --- PIX (boleto híbrido) ---------------------------------------------------------
    if pix_payload:
        qr_size = 42 * mm
        canvas.setDash(2, 2)
        canvas.setLineWidth(0.5)
        canvas.line(LEFT, top, RIGHT, top)
        canvas.setDash()
        top -= 2 * mm
        canvas.drawImage(
            ImageReader(io.BytesIO(pix.qr_png(pix_payload))),
            LEFT,
            top - qr_size,
            qr_size,
            qr_size,
        )
        x = LEFT + qr_size + 4 * mm
        page.text(x, top - 7 * mm, "Pague com PIX", 14, BOLD)
        page.text(
            x,
            top - 12 * mm,
            f"Aponte a câmera do app do seu banco para o QR code: {amount}, vencimento {due}.",
            8,
        )
        page.text(x, top - 17 * mm, "Ou use o PIX copia e cola:", 8, BOLD)
        y = top - 21 * mm
        for line in _wrap_chars(pix_payload, "Courier", 7.5, RIGHT - x):
            page.text(x, y, line, 7.5, "Courier")
            y -= 9
        top -= qr_size + 2 * mm

    # --- ficha de compensação ---------------------------------------------------------
    canvas.setDash(2, 2)
    canvas.setLineWidth(0.5)
    canvas.line(LEFT, top, RIGHT, top)
    canvas.setDash()
    page.text_right(RIGHT, top + 1.2 * mm, "Corte na linha pontilhada", LABEL_SIZE)
    top -= 4 * mm
    top = page.bank_header(top, slip.bank, slip.formatted_line, bold_title=True)

    local = "Pagável em qualquer banco, lotérica ou aplicativo até o vencimento"
    page.cell(LEFT, top, main_w, ROW_H, "Local de pagamento", [local])
    page.cell(side_x, top, SIDE_W, ROW_H, "Vencimento", [due], right=True, bold=True)
    top -= ROW_H
    page.cell(LEFT, top, main_w, ROW_H + 3 * mm, "Beneficiário", beneficiary)
    page.cell(
        side_x,
        top,
        SIDE_W,
        ROW_H + 3 * mm,
        "Agência/Código do beneficiário",
        [agency_code],
        right=True,
    )
    top -= ROW_H + 3 * mm
    fifth = main_w / 5
    for i, (label, value) in enumerate(
        (
            ("Data do documento", date_br(issue_date)),
            ("Nº do documento", our_number[-10:]),
            ("Espécie doc.", "DS"),
            ("Aceite", "N"),
            ("Data do processamento", date_br(issue_date)),
        )
    ):
        page.cell(LEFT + i * fifth, top, fifth, ROW_H, label, [value])
    page.cell(side_x, top, SIDE_W, ROW_H, "Nosso número", [our_number], right=True)
    top -= ROW_H
    for i, (label, value) in enumerate(
        (
            ("Uso do banco", ""),
            ("Carteira", wallet),
            ("Espécie", "R$"),
            ("Quantidade", ""),
            ("Valor", ""),
        )
    ):
        page.cell(LEFT + i * fifth, top, fifth, ROW_H, label, [value])
    page.cell(side_x, top, SIDE_W, ROW_H, "(=) Valor do documento", [amount], right=True, bold=True)
    top -= ROW_H
    small = 7 * mm
    page.cell(
        LEFT,
        top,
        main_w,
        5 * small,
        "Instruções (texto de responsabilidade do beneficiário)",
        list(instructions),
        size=8,
    )
    for i, label in enumerate(
        (
            "(-) Desconto/Abatimento",
            "(-) Outras deduções",
            "(+) Mora/Multa",
            "(+) Outros acréscimos",
            "(=) Valor cobrado",
        )
    ):
        page.cell(side_x, top - i * small, SIDE_W, small, label)
    top -= 5 * small
    page.cell(LEFT, top, WIDTH, ROW_H + 3 * mm, "Pagador", [payer, "Sacador/Avalista:"])
    top -= ROW_H + 3 * mm
    page.text(LEFT, top - 3 * mm, "Autenticação mecânica", LABEL_SIZE)
    page.text_right(RIGHT, top - 3 * mm, "Ficha de Compensação", 8, BOLD)

    # --- ITF barcode ------------------------------------------------------------------
    code = I2of5(
        value=slip.barcode,
        barWidth=ITF_NARROW,
        ratio=ITF_RATIO,
        barHeight=ITF_HEIGHT,
        checksum=0,
        bearers=0,
        quiet=1,
        lquiet=10 * ITF_NARROW,
        rquiet=10 * ITF_NARROW,
        humanReadable=0,
    )
    code.drawOn(canvas, LEFT, top - 5 * mm - ITF_HEIGHT)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
