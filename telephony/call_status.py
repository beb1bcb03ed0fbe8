"""Placeholder: filled in by the Twilio work (issue 6)."""

from fastapi import APIRouter

router = APIRouter(tags=["twilio"])
