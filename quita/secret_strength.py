"""What counts as a weak secret, in one place: `quita serve` refuses to start with one.

A secret key signs API tokens and console sessions (anyone who knows it is admin); a webhook
secret is all that tells a forged payment or Telegram update from a real one. A placeholder
copied from an example, or a short value, is guessed in minutes, so the service stops at
start-up instead of running open. The keys `with_secret_key` generates and the sandbox's
derived stand-ins are long random strings and pass.
"""

from __future__ import annotations

import re

from quita.settings import Settings

MIN_SECRET_KEY = 32
MIN_WEBHOOK_SECRET = 16

# Compared with letters and digits only, lower case: "Change-Me" is "changeme".
PLACEHOLDERS = frozenset(
    {
        "x",
        "xxx",
        "test",
        "testing",
        "secret",
        "secretkey",
        "mysecret",
        "password",
        "passw0rd",
        "pass",
        "demo",
        "admin",
        "quita",
        "changeme",
        "changeit",
        "default",
        "example",
        "token",
        "key",
        "dev",
        "development",
        "local",
        "none",
        "null",
        "todo",
        "123456",
        "12345678",
        "1234567890",
        "qwerty",
    }
)
# Words that say "put the real secret here", whatever surrounds them.
PLACEHOLDER_WORDS = ("changeme", "changethis", "replaceme", "yoursecret", "placeholder", "insert")

# The settings `quita serve` checks, with the shortest value each accepts.
CHECKED = {
    "secret_key": MIN_SECRET_KEY,
    "telegram_webhook_secret": MIN_WEBHOOK_SECRET,
    "pix_webhook_secret": MIN_WEBHOOK_SECRET,
    "billing_webhook_secret": MIN_WEBHOOK_SECRET,
    "twilio_auth_token": MIN_WEBHOOK_SECRET,
}


def weakness(value: str, minimum: int) -> str | None:
    """Why `value` is unfit as a secret of at least `minimum` characters, or None."""
    plain = re.sub(r"[^a-z0-9]", "", value.lower())
    if plain in PLACEHOLDERS or any(word in plain for word in PLACEHOLDER_WORDS):
        return "is a placeholder, not a secret"
    if len(value) < minimum:
        return f"is too short ({len(value)} characters, at least {minimum})"
    # "x" * 40 or "abc" * 11: long, but one short piece repeated.
    if re.fullmatch(r"(.{1,8}?)\1+", value, flags=re.DOTALL):
        return "repeats one short piece"
    return None


def weak_setting(settings: Settings) -> str | None:
    """The first configured secret that is weak, as one line naming its variable and the fix;
    None when every secret set is strong (unset optional ones are not checked)."""
    for name, minimum in CHECKED.items():
        value = getattr(settings, name)
        if not value:
            continue
        why = weakness(value, minimum)
        if why:
            return (
                f"QUITA_{name.upper()} {why}: set a random value, e.g. the output of"
                " `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
    return None


async def demo_password_users() -> list[str]:
    """The active users whose password is still the demo's (public: it is in the README).
    Needs an open database. Argon2 is slow on purpose: a base has a handful of users."""
    from models import User
    from negotiation.passwords import verify_password
    from quita.demo import DEMO_ADMIN

    users = await User.filter(active=True).order_by("id").values_list("username", "password_hash")
    return [name for name, hashed in users if verify_password(DEMO_ADMIN[1], hashed)]
