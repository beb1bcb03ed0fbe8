"""`quita serve --port N`: the links the server sends point where it really listens."""

from __future__ import annotations

from quita.cli import listening_at
from quita.settings import Settings


def test_links_follow_the_port_when_no_public_url_is_set():
    settings = Settings(_env_file=None, secret_key="k" * 40)
    served = listening_at(settings, "127.0.0.1", 8111)
    assert served.public_base_url == "http://127.0.0.1:8111"
    assert listening_at(settings, "0.0.0.0", 9000).public_base_url == "http://127.0.0.1:9000"


def test_a_configured_public_url_wins():
    settings = Settings(_env_file=None, secret_key="k" * 40, public_base_url="https://q.example")
    assert listening_at(settings, "127.0.0.1", 8111).public_base_url == "https://q.example"


def test_links_follow_the_port_with_the_key_kept_in_the_folder(tmp_path, monkeypatch):
    # `quita serve` with no QUITA_SECRET_KEY: the key comes from `.quita-secret`, and the
    # public URL is still the one the server listens on.
    from quita.settings import with_secret_key

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUITA_SECRET_KEY", raising=False)
    monkeypatch.delenv("QUITA_PUBLIC_BASE_URL", raising=False)
    settings = with_secret_key(Settings(_env_file=None))
    assert listening_at(settings, "127.0.0.1", 8111).public_base_url == "http://127.0.0.1:8111"
