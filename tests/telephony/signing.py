"""Requests signed like Twilio signs them (the twilio library's own RequestValidator), and
TwiML read back with xml.etree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from twilio.request_validator import RequestValidator

from quita.app import create_app
from quita.settings import Settings


def signature(settings: Settings, path: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature for a POST of `params` to the public URL of `path`."""
    url = settings.public_base_url.rstrip("/") + path
    return RequestValidator(settings.twilio_auth_token).compute_signature(url, params)


async def post_signed(
    client: httpx.AsyncClient,
    settings: Settings,
    path: str,
    params: dict[str, str],
    *,
    sign: bool = True,
) -> httpx.Response:
    headers = {"X-Twilio-Signature": signature(settings, path, params)} if sign else {}
    return await client.post(path, data=params, headers=headers)


@dataclass
class TwiML:
    """A TwiML answer, parsed."""

    root: ET.Element

    @classmethod
    def of(cls, response: httpx.Response) -> TwiML:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml"), response.headers
        root = ET.fromstring(response.text)
        assert root.tag == "Response"
        return cls(root)

    @property
    def verbs(self) -> list[str]:
        return [child.tag for child in self.root]

    def says(self) -> list[ET.Element]:
        return list(self.root.iter("Say"))

    @property
    def text(self) -> str:
        return " ".join((say.text or "") for say in self.says())

    def first(self, tag: str) -> ET.Element | None:
        return next(self.root.iter(tag), None)

    @property
    def gather(self) -> ET.Element | None:
        return self.first("Gather")

    @property
    def step(self) -> str | None:
        """The step the Gather's answer goes to."""
        gather = self.gather
        if gather is None:
            return None
        return gather.get("action", "").split("?")[0].rsplit("/", 1)[-1]

    @property
    def hangs_up(self) -> bool:
        return self.first("Hangup") is not None


@asynccontextmanager
async def twilio_app(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app in process (no lifespan: the test's database is already open)."""
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        client.app = app
        yield client
    await app.state.channels.aclose()


def spoken_words(twiml: TwiML) -> int:
    """How many words the caller hears in a TwiML answer: every `<Say>`'s text, split on
    blanks, counting only the pieces with a letter or digit (not a lone dash)."""
    return sum(1 for word in twiml.text.split() if any(ch.isalnum() for ch in word))
