"""Building settings writes nothing; running the service keeps its key in `.quita-secret`."""

from quita.settings import Settings


def test_constructing_settings_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUITA_SECRET_KEY", raising=False)

    Settings(_env_file=None)
    Settings(_env_file=None, sandbox=True)

    assert list(tmp_path.iterdir()) == []


def test_service_without_a_key_keeps_a_random_one_in_quita_secret(tmp_path, monkeypatch):
    from quita.settings import with_secret_key

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUITA_SECRET_KEY", raising=False)

    first = with_secret_key(Settings(_env_file=None, sandbox=True))
    again = with_secret_key(Settings(_env_file=None, sandbox=True))

    kept = (tmp_path / ".quita-secret").read_text().strip()
    assert len(kept) >= 32
    assert first.secret_key == again.secret_key == kept
    # The sandbox's stand-ins come from that key, the same for every command in the folder.
    assert first.telegram_webhook_secret == again.telegram_webhook_secret
    assert first.telegram_webhook_secret is not None


def test_a_configured_key_is_used_and_nothing_is_written(tmp_path, monkeypatch):
    from quita.settings import with_secret_key

    monkeypatch.chdir(tmp_path)

    settings = with_secret_key(Settings(_env_file=None, secret_key="k" * 40))

    assert settings.secret_key == "k" * 40
    assert list(tmp_path.iterdir()) == []
