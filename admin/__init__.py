"""Admin API and console pages (FastAPI)."""
