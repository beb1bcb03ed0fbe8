"""Every date and time a person reads is in the ISP's zone: the one formatter
(negotiation.rendering.local_time and its Jinja filter `when`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from jinja2 import Environment

from negotiation.attendant_hours import describe_opening
from negotiation.rendering import date_br, environment, html_environment, local_time
from quita.settings import Settings

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
MANAUS = ZoneInfo("America/Manaus")
# 01/12/2026 22:05 in São Paulo: UTC has already turned the page to 02/12.
LATE_EVENING = datetime(2026, 12, 2, 1, 5, 30, tzinfo=UTC)


def test_an_instant_is_read_in_the_isp_zone():
    assert local_time(LATE_EVENING, SAO_PAULO) == "01/12/2026 22:05"
    assert local_time(LATE_EVENING, SAO_PAULO, "seconds") == "01/12/2026 22:05:30"
    assert local_time(LATE_EVENING, SAO_PAULO, "short") == "01/12 22:05"
    assert local_time(LATE_EVENING, SAO_PAULO, "date") == "01/12/2026"
    assert local_time(LATE_EVENING, SAO_PAULO, "weekday") == "terça-feira, 01/12"
    assert local_time(LATE_EVENING, SAO_PAULO, "time") == "22:05"
    assert local_time(LATE_EVENING, SAO_PAULO, "time_seconds") == "22:05:30"
    assert local_time(LATE_EVENING, SAO_PAULO, "file") == "20261201-220530"
    # The zone is the ISP's setting, not a constant.
    assert local_time(LATE_EVENING, MANAUS) == "01/12/2026 21:05"
    # Whatever zone the stored value carries, the instant is what counts.
    assert local_time(LATE_EVENING.astimezone(MANAUS), SAO_PAULO) == "01/12/2026 22:05"
    assert local_time(None, SAO_PAULO) == ""


def test_a_naive_datetime_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="aware"):
        local_time(datetime(2026, 12, 2, 1, 5), SAO_PAULO)


def test_a_calendar_date_stays_as_it_is_and_an_instant_is_not_a_date():
    assert date_br(date(2026, 12, 2)) == "02/12/2026"
    assert date_br(None) == ""
    with pytest.raises(TypeError, match="local_time"):
        date_br(LATE_EVENING)


@pytest.mark.parametrize("env", [environment(), html_environment()], ids=["text", "html"])
def test_the_when_filter_uses_the_zone_the_renderer_gives(env: Environment):
    template = env.from_string('{{ at|when }} / {{ at|when("date") }} / {{ day|date_br }}')
    text = template.render(at=LATE_EVENING, day=date(2026, 12, 2), tz=SAO_PAULO)
    assert text == "01/12/2026 22:05 / 01/12/2026 / 02/12/2026"
    # No zone in the context: an error, never a silent UTC time.
    with pytest.raises(TypeError, match="tz"):
        env.from_string("{{ at|when }}").render(at=LATE_EVENING)


def test_the_attendants_next_opening_is_told_in_the_isp_zone():
    # Friday 27/11 22:05 in São Paulo (already Saturday in UTC): "amanhã" is Saturday 28/11.
    settings = Settings(secret_key="k" * 40)
    now = datetime(2026, 11, 28, 1, 5, tzinfo=UTC)
    opening = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)  # 08:00 in São Paulo
    assert describe_opening(opening, now, settings) == "amanhã, sábado, 28/11, às 08:00"
