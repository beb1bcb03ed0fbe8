"""Placeholder: filled in by the console work (issue 7)."""

from fastapi import APIRouter

router = APIRouter(prefix="/console")
