"""The one check every header-secret webhook (Telegram, sandbox feed, Pix) makes."""

from __future__ import annotations

import hmac

import pytest

from negotiation import webhook_secret
from negotiation.webhook_secret import secret_matches


@pytest.mark.parametrize("expected", [None, ""])
@pytest.mark.parametrize("given", [None, "", "anything"])
def test_an_unset_secret_refuses_everyone(expected, given):
    # An installation without a secret must not accept an empty header as a match.
    assert secret_matches(expected, given) is False


@pytest.mark.parametrize("given", [None, "", "s3cret ", "S3CRET", "s3cretx", "ção"])
def test_a_wrong_or_missing_header_is_refused(given):
    assert secret_matches("s3cret", given) is False


def test_the_right_secret_is_accepted():
    assert secret_matches("s3cret", "s3cret") is True
    assert secret_matches("ção-ü", "ção-ü") is True  # non-ASCII compared as UTF-8 bytes


def test_the_compare_is_timing_safe(monkeypatch):
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhook_secret.hmac, "compare_digest", spy)
    assert secret_matches("s3cret", "wrong!") is False
    assert secret_matches("s3cret", "s3cret") is True
    assert calls == [(b"wrong!", b"s3cret"), (b"s3cret", b"s3cret")]
