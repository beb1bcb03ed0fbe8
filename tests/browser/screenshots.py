"""Screenshots of the console for the README, taken by the browser tests themselves.

Only when QUITA_SCREENSHOTS=1, so an ordinary run never rewrites docs/screenshots:

    QUITA_SCREENSHOTS=1 .venv/bin/pytest tests/browser
"""

from __future__ import annotations

import os
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def wanted() -> bool:
    return os.environ.get("QUITA_SCREENSHOTS") == "1"


async def shoot(page, name: str, *, full_page: bool = False) -> Path | None:
    """Save the page as docs/screenshots/<name>.png (when asked for); returns the path."""
    if not wanted():
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Stable pictures: no blinking caret, no animations half-way.
    await page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    return path
