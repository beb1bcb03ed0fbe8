"""Building settings writes nothing; running the service keeps its key in `.quita-secret`."""

import pytest
from pydantic import ValidationError

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


def test_settings_satisfy_every_configuration_protocol_of_the_services():
    """The services are typed with `negotiation.config`'s protocols and callers pass Settings:
    every field a protocol names exists on Settings with the same type."""
    import inspect
    import typing

    from negotiation import config

    protocols = [
        cls
        for cls in vars(config).values()
        if inspect.isclass(cls)
        and getattr(cls, "_is_protocol", False)
        and cls is not typing.Protocol
    ]
    assert len(protocols) > 10
    for protocol in protocols:
        for name, expected in typing.get_type_hints(protocol).items():
            assert Settings.model_fields[name].annotation == expected, (protocol, name)
        for cls in protocol.__mro__:
            for name, member in vars(cls).items():
                if isinstance(member, property):
                    assert isinstance(getattr(Settings, name), property), (protocol, name)


def test_the_isp_phone_is_checked_and_kept_as_people_read_it(monkeypatch):
    monkeypatch.delenv("QUITA_ISP_PHONE", raising=False)
    assert Settings(_env_file=None).isp["phone"] == "(19) 3333-4444"
    assert Settings(_env_file=None, isp_phone="08001234567").isp_phone == "0800 123 4567"
    assert Settings(_env_file=None, isp_phone="+55 11 4004-1234").isp_phone == "(11) 4004-1234"
    with pytest.raises(ValidationError, match="não é um número de atendimento válido"):
        Settings(_env_file=None, isp_phone="12345")
