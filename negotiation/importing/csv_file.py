"""Reading an import file: encoding, delimiter, header, and where each line starts."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from negotiation.errors import InvalidInput


class CsvRow(dict[str, str]):
    """One data line of a CSV file: header → cell, plus where it starts in the file."""

    def __init__(self, cells: dict[str, str], line: int, extra: Sequence[str] = ()) -> None:
        super().__init__(cells)
        self.line = line
        # Non-empty cells beyond the header's columns: the line is rejected for them.
        self.extra = tuple(extra)


# A byte-order mark names its encoding; the longer marks first (UTF-32 LE starts like UTF-16 LE).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),  # Excel's "Unicode Text" (tab-separated)
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes) -> str:
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InvalidInput(
            "o arquivo é uma planilha (.xlsx/.xls/.ods), não um CSV: exporte como CSV"
        )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)  # the codec drops the mark
            except UnicodeDecodeError:
                raise InvalidInput(
                    f"o arquivo começa como {encoding.upper()} mas não está nessa codificação"
                ) from None
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # never fails


# Tab: Excel's "Unicode Text" and "Text (tab delimited)"; on a tie the earlier one wins.
DELIMITERS = (",", ";", "\t")


def _delimiter(header_line: str) -> str:
    return max(DELIMITERS, key=header_line.count)


def read_csv(path: str | Path, required: Iterable[str] = ()) -> list[CsvRow]:
    """The data lines of a CSV file, as header → cell mappings that know their line number.

    The encoding by its byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32), else UTF-8, else
    Windows-1252/Latin-1; delimiter ",", ";" or tab (whichever the header uses most); header
    names trimmed and lower-cased; blank lines skipped; short lines padded with empty cells.
    A missing `required` column, an empty file or a file that is not CSV at all is an
    `InvalidInput` (the whole file cannot be used). File-system errors (missing, unreadable)
    propagate as `OSError`.
    """
    text = _decode(Path(path).read_bytes())
    first_line = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    if not first_line:
        raise InvalidInput(
            "o arquivo está vazio: falta a linha de cabeçalho com os nomes das colunas"
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header: list[str] | None = None
        rows: list[CsvRow] = []
        previous_end = 0
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = _header(cells, required)
                continue
            padded = cells + [""] * (len(header) - len(cells))
            extra = [c for c in padded[len(header) :] if c.strip()]
            values = {name: cell for name, cell in zip(header, padded, strict=False) if name}
            rows.append(CsvRow(values, start, extra))
    except csv.Error as exc:
        raise InvalidInput(f"CSV malformado perto da linha {reader.line_num}: {exc}") from None
    return rows


def _header(cells: list[str], required: Iterable[str]) -> list[str]:
    names = [c.strip().lstrip("\ufeff").strip().lower() for c in cells]
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise InvalidInput(f"a coluna {name} aparece duas vezes no cabeçalho")
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing:
        found = ", ".join(n for n in names if n) or "nenhuma"
        if len(missing) == 1:
            what = f"falta a coluna obrigatória {missing[0]}"
        else:
            what = f"faltam as colunas obrigatórias {', '.join(missing)}"
        raise InvalidInput(f"{what} (colunas encontradas: {found})")
    return names
