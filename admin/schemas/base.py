"""What every body of the admin API shares: strict input, output from the models, the
numeric types, the bounds of ids, and the error bodies. Validation messages name the field."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema


def _not_bool(value: Any) -> Any:
    # JSON `false` and `true` are not ids 0 and 1; the console's form text ("12") still is one.
    if isinstance(value, bool):
        raise ValueError("informe o número do registro, não true/false")
    return value


# Every id is a PostgreSQL `integer`: a larger one would fail in the database (a 500), not in
# validation.
MAX_ID = 2**31 - 1
Id = Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
TextQuery = Annotated[str | None, Query(max_length=80)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
# A billion reais: more than any ISP's receivable, far below what the columns hold.
MAX_MONEY = 10**9
Money = Annotated[Decimal, Field(ge=0, le=MAX_MONEY, max_digits=12, decimal_places=2)]
# Days overdue, a century at most.
Days = Annotated[int, Field(ge=0, le=36500)]
Text = Annotated[str, Field(max_length=2000)]
Short = Annotated[str, Field(max_length=80)]
Name = Annotated[str, Field(min_length=1, max_length=80)]
# A wall-clock time in a state's own zone: JSON Schema's "time" format demands an offset.
LocalTime = Annotated[
    time,
    WithJsonSchema({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"}),
]


class Body(BaseModel):
    # Every string bounded: a field's own max_length is tighter; this catches the rest.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, str_max_length=20_000)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorOut(BaseModel):
    """Every refusal of ours (quita/app.py maps the error hierarchy once): the message in pt-BR."""

    detail: str


class FieldErrorOut(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class FieldErrorsOut(BaseModel):
    """FastAPI's own refusal of a body or parameter that does not fit the schema."""

    detail: list[FieldErrorOut]


# Declared once on the API's router: what any operation may answer besides its success.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Body that cannot be read (not UTF-8 JSON)"},
    401: {"model": ErrorOut, "description": "Not signed in"},
    403: {"model": ErrorOut, "description": "Not allowed"},
    404: {"model": ErrorOut, "description": "Not found"},
    409: {"model": ErrorOut, "description": "Conflict with the current data"},
    413: {"model": ErrorOut, "description": "Body too large"},
    422: {"model": ErrorOut | FieldErrorsOut, "description": "Invalid input"},
    429: {"model": ErrorOut, "description": "Too many attempts"},
}


def ordered(low: Any, high: Any, what: str) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError(f"{what}: o mínimo é maior que o máximo")
