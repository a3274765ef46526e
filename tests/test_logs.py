"""No PHI reaches a log line: a fake patient's name, date of birth and phone, through every path."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from reddytalk.errors import NotFound
from reddytalk.logs import REDACTED, configure_logging, request_id_var, scrub

NAME = "Zebulon Quackenbush"
FIRST, LAST = NAME.split()
DOB_FORMS = ["1961-02-03", "02/03/1961", "3.2.1961", "February 3, 1961", "3rd of Feb 1961", "Feb 3rd 1961"]
PHONE_FORMS = ["+1 555-555-0123", "(555) 555-0123", "555.555.0123", "5555550123"]
EMAIL = "zebulon.q@example.com"
CANARIES = [FIRST, LAST, "1961", "555-0123", "5550123", "0123", EMAIL]


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    root = logging.getLogger()
    saved_level, saved = root.level, list(root.handlers)
    configure_logging("DEBUG", stream=buf)
    yield buf
    for handler in list(root.handlers):
        if handler not in saved:
            root.removeHandler(handler)
    root.setLevel(saved_level)


def lines(buf: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def assert_clean(buf: io.StringIO) -> None:
    text = buf.getvalue()
    assert text, "nothing was logged"
    for canary in CANARIES:
        assert canary not in text, f"{canary!r} leaked into: {text}"


def test_positional_args_are_never_interpolated(output: io.StringIO) -> None:
    log = logging.getLogger("reddytalk.test")
    log.info("caller %s born %s phone %s", NAME, DOB_FORMS[0], PHONE_FORMS[0])
    log.warning("dict style %(name)s", {"name": NAME})
    assert_clean(output)
    assert lines(output)[0]["message"] == f"caller {REDACTED} born {REDACTED} phone {REDACTED}"


def test_extra_fields_pass_only_when_safe(output: io.StringIO) -> None:
    log = logging.getLogger("reddytalk.test")
    log.info(
        "patient identified",
        extra={
            "patient_name": NAME,
            "dob": DOB_FORMS[0],
            "phone": PHONE_FORMS[0],
            "patient_id": "pt-7f3a9c4412345678999",
            "count": 3,
            "status": f"matched {PHONE_FORMS[1]} on {DOB_FORMS[3]}",  # a safe key misused
            "user_id": EMAIL,  # an id field holding an e-mail
        },
    )
    assert_clean(output)
    [entry] = lines(output)
    assert entry["patient_name"] == REDACTED
    assert entry["patient_id"] == "pt-7f3a9c4412345678999"  # real ids survive, digit runs and all
    assert entry["count"] == 3


@pytest.mark.parametrize("form", DOB_FORMS + PHONE_FORMS + [EMAIL])
def test_fstring_phone_dob_and_email_are_scrubbed(output: io.StringIO, form: str) -> None:
    logging.getLogger("reddytalk.test").info(f"caller gave {form} to confirm")
    assert form not in output.getvalue()
    assert REDACTED in lines(output)[0]["message"]


def test_exception_messages_from_vendors_are_dropped(output: io.StringIO) -> None:
    log = logging.getLogger("reddytalk.test")
    try:
        raise ValueError(f"no patient named {NAME} born {DOB_FORMS[3]} at {PHONE_FORMS[0]}")
    except ValueError:
        log.exception("lookup failed")
    try:
        raise NotFound("patient not found")
    except NotFound:
        log.exception("lookup failed")
    assert_clean(output)
    vendor, ours = lines(output)
    assert vendor["error"] == {"type": "ValueError"}
    assert ours["error"] == {"type": "NotFound", "code": "not_found", "message": "patient not found"}


def test_non_string_messages_are_dropped(output: io.StringIO) -> None:
    logging.getLogger("reddytalk.test").info({"name": NAME, "dob": DOB_FORMS[0]})
    assert_clean(output)
    assert lines(output)[0]["message"] == REDACTED


def test_lines_are_json_with_level_logger_and_request_id(output: io.StringIO) -> None:
    token = request_id_var.set("req-1")
    try:
        logging.getLogger("reddytalk.api").warning("slow turn", extra={"duration_ms": 812})
    finally:
        request_id_var.reset(token)
    [entry] = lines(output)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "reddytalk.api"
    assert entry["request_id"] == "req-1"
    assert entry["duration_ms"] == 812
    assert str(entry["time"]).endswith("Z")


def test_scrub_keeps_ordinary_text() -> None:
    assert scrub("booked 2 slots for 3 patients at 10:30") == "booked 2 slots for 3 patients at 10:30"
