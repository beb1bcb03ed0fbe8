"""Data in: imports of customers and receivables."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from admin.schemas.base import Body


class ImportIn(Body):
    """The same columns as the CSV files (README, "Data in"), one object per line."""

    rows: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=50000)]


class RejectionOut(BaseModel):
    line: int
    external_id: str
    reasons: list[str]


class ImportOut(BaseModel):
    created: int
    updated: int
    rejected: list[RejectionOut]
