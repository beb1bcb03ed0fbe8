"""Twilio's voice form fields, read into what the dialog takes."""

from __future__ import annotations

from datetime import UTC, datetime

from models.enums import CallDirection
from telephony.twilio_form import answered_by, call_request, is_machine, timestamp, whole_number

SID = "CA" + "1" * 32


def test_call_request_of_an_outbound_call_names_the_dialers_row() -> None:
    form = {"CallSid": SID, "Direction": "outbound-api", "From": "+551933334444", "To": "+55199"}
    request = call_request(form, "42")
    assert request.direction == CallDirection.OUTBOUND and request.row_id == 42
    assert (request.sid, request.from_number, request.to_number) == (SID, "+551933334444", "+55199")


def test_call_request_of_an_inbound_call() -> None:
    request = call_request({"CallSid": SID, "Direction": "inbound"}, "abc")
    assert request.direction == CallDirection.INBOUND and request.row_id is None
    assert request.from_number == "" and request.to_number == ""
    assert call_request({}).direction == CallDirection.INBOUND  # no Direction: inbound


def test_answered_by_defaults_to_unknown() -> None:
    assert answered_by({"AnsweredBy": "machine_end_beep"}) == "machine_end_beep"
    assert answered_by({"AnsweredBy": ""}) == answered_by({}) == "unknown"


def test_is_machine_reads_twilios_answered_by() -> None:
    for value in ("machine_start", "machine_end_beep", "machine_end_silence", "Fax", "fax"):
        assert is_machine(value), value
    for value in ("human", "unknown", "", None):
        assert not is_machine(value), value


def test_timestamp_and_whole_number() -> None:
    assert timestamp("Mon, 16 Nov 2026 17:00:12 +0000") == datetime(
        2026, 11, 16, 17, 0, 12, tzinfo=UTC
    )
    assert timestamp("ontem") is None and timestamp(None) is None
    assert whole_number("37") == 37
    assert whole_number("") is None and whole_number("x") is None and whole_number(None) is None


def test_whole_number_is_bounded_to_what_a_column_holds() -> None:
    assert whole_number(str(2**31 - 1)) == 2**31 - 1
    for value in (str(2**31), "9" * 30, "-5", "1_000", " 12", "١٢"):
        assert whole_number(value) is None, value
