"""Composition package: settings, database wiring, the FastAPI app factory and the `quita` CLI."""
