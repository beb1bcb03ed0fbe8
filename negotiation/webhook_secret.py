"""The check every header-secret webhook makes (Telegram's X-Telegram-Bot-Api-Secret-Token,
the sandbox feed, the PSP's X-Webhook-Secret): one rule, so none of them can drift into
accepting an empty header when no secret is configured. Each route keeps its own response."""

from __future__ import annotations

import hmac


def secret_matches(expected: str | None, given: str | None) -> bool:
    """True only when a secret is configured and the header carries exactly it. The compare
    takes the same time wherever the strings differ, so the secret cannot be guessed byte by
    byte from response times."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
