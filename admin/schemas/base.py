"""What every body of the admin API shares: strict input, output from the models, and the
numeric types. Validation messages name the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Name = Annotated[str, Field(min_length=1, max_length=80)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def ordered(low: Any, high: Any, what: str) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError(f"{what}: o mínimo é maior que o máximo")
