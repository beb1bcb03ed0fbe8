"""From rows to checked lines: line numbers, lines repeated in the file, the good ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

from negotiation.importing.report import NOT_A_ROW, ImportReport
from negotiation.importing.values import Cells


class Line(Protocol):
    line: int
    external_id: str


L = TypeVar("L", bound=Line)


def _line_of(row: Any, index: int, first_line: int) -> int:
    line = getattr(row, "line", None)
    return line if isinstance(line, int) else first_line + index


def check_rows(
    rows: Iterable[Any],
    parse: Callable[[Cells, int], L],
    report: ImportReport,
    first_line: int,
) -> list[tuple[Cells, L]]:
    """Each row parsed into a line with its cells' problems; a row that is not a mapping is
    rejected at once. Rows without their own number (`CsvRow.line`) count from `first_line`."""
    parsed: list[tuple[Cells, L]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            report._reject(first_line + index, "", [NOT_A_ROW])
            continue
        cells = Cells(row)
        parsed.append((cells, parse(cells, _line_of(row, index, first_line))))
    return parsed


def reject_duplicates(
    parsed: list[tuple[Cells, Any]], key: Callable[[Any], str | None], label: str
) -> None:
    first: dict[str, int] = {}
    for cells, item in parsed:
        value = key(item)
        if not value:
            continue
        if value in first:
            cells.problems.append(
                f"{label} {value} repetido no arquivo (já na linha {first[value]})"
            )
        else:
            first[value] = item.line


def keep_good(parsed: list[tuple[Cells, L]], report: ImportReport) -> list[L]:
    """Reject the lines with problems (with their reasons); return the others, in order."""
    good = []
    for cells, item in parsed:
        if cells.problems:
            report._reject(item.line, item.external_id, cells.problems)
        else:
            good.append(item)
    return good
