"""What an import did: counts, and the rejected lines with their reasons in pt-BR."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from negotiation.rendering import csv_writer

NOT_A_ROW = "a linha não é um conjunto de colunas (objeto JSON com os nomes das colunas)"


class Rejection(NamedTuple):
    line: int
    external_id: str
    reasons: tuple[str, ...]

    def message(self) -> str:
        """`linha 7 (C123): CPF 123 é inválido; state XX não é uma UF`"""
        where = (
            f"linha {self.line} ({self.external_id})" if self.external_id else f"linha {self.line}"
        )
        return f"{where}: {'; '.join(self.reasons)}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        return (
            f"{self.created} criados, {self.updated} atualizados, {len(self.rejected)} rejeitados"
        )

    def messages(self) -> list[str]:
        """One line per rejected line, in file order."""
        return [r.message() for r in self.rejected]

    def rejections_csv(self) -> str:
        """The rejection report: `linha;external_id;motivo`, one row per problem, in file order.

        Semicolon-separated, as Brazilian spreadsheets expect; a cell that a spreadsheet would
        run (an external id "=HYPERLINK(...)") is written as text (`spreadsheet_cell`).
        """
        out = io.StringIO()
        writer = csv_writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(["linha", "external_id", "motivo"])
        for rejection in self.rejected:
            for reason in rejection.reasons:
                writer.writerow([rejection.line, rejection.external_id, reason])
        return out.getvalue()

    def _reject(self, line: int, external_id: str, reasons: Iterable[str]) -> None:
        self.rejected.append(Rejection(line, external_id, tuple(reasons)))
