"""One import's flow: rows → checked lines (numbered, repeats refused) → the good ones written
in one transaction → the report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient

from negotiation.importing.batches import Progress, in_one_transaction
from negotiation.importing.report import NOT_A_ROW, ImportReport
from negotiation.importing.values import Cells


class Line(Protocol):
    """What a checked line carries whatever its kind: where it is and its external id."""

    line: int
    external_id: str


L = TypeVar("L", bound=Line)


def _line_of(row: Any, index: int, first_line: int) -> int:
    line = getattr(row, "line", None)
    return line if isinstance(line, int) else first_line + index


def _check_rows(
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


def _reject_duplicates(
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


def _keep_good(parsed: list[tuple[Cells, L]], report: ImportReport) -> list[L]:
    """Reject the lines with problems (with their reasons); return the others, in order."""
    good = []
    for cells, item in parsed:
        if cells.problems:
            report._reject(item.line, item.external_id, cells.problems)
        else:
            good.append(item)
    return good


async def run_import(
    rows: Iterable[Any],
    parse: Callable[[Cells, int], L],
    unique: Sequence[tuple[Callable[[L], str | None], str]],
    write: Callable[[BaseDBAsyncClient, list[L], ImportReport, Progress], Awaitable[None]],
    progress: Callable[[int], None] | None,
    first_line: int,
) -> ImportReport:
    """Check every row, refuse the later of two lines with the same `unique` key (label), then
    `write` the good lines in one transaction (`Conflict`: nothing written)."""
    report = ImportReport()
    tracker = Progress(progress)
    parsed = _check_rows(rows, parse, report, first_line)
    for key, label in unique:
        _reject_duplicates(parsed, key, label)
    good = _keep_good(parsed, report)
    tracker.advance(len(report.rejected))
    if good:
        await in_one_transaction(lambda conn: write(conn, good, report, tracker))
    report.rejected.sort(key=lambda r: r.line)
    return report
