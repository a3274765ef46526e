"""Slot extraction from caller words as a speech recogniser writes them (the clock is Monday
2026-11-30 08:30 in New York)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from agentkit import NOW

from reddytalk.agent.brains.local.extract import extract, task_words, words_to_numbers
from reddytalk.practice.models import PracticeFile


def ents(text: str, demo: PracticeFile, expecting_name: bool = False) -> Any:
    return extract(
        text, NOW, providers=demo.providers, types=demo.appointment_types, expecting_name=expecting_name
    )


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("my date of birth is March 12th, 1984", date(1984, 3, 12)),
        ("march twelfth nineteen eighty four", date(1984, 3, 12)),
        ("the 12th of March 1984", date(1984, 3, 12)),
        ("03/12/1984", date(1984, 3, 12)),
        ("1984-03-12", date(1984, 3, 12)),
        ("3/12/84", date(1984, 3, 12)),
        ("5/8/16", date(2016, 5, 8)),
        ("born may eighth two thousand sixteen", date(2016, 5, 8)),
        ("born March 12, 84", date(1984, 3, 12)),
    ],
)
def test_dates_of_birth(text: str, dob: date, demo: PracticeFile) -> None:
    found = ents(text, demo)
    assert found.dob == dob
    assert found.day is None  # a birth date is never taken for the appointment day


@pytest.mark.parametrize(
    ("text", "day", "daypart", "clock"),
    [
        ("next Thursday afternoon", date(2026, 12, 3), "afternoon", None),
        ("tomorrow morning", date(2026, 12, 1), "morning", None),
        ("Tuesday at ten thirty", date(2026, 12, 1), None, time(10, 30)),
        ("December 3rd at 2 pm", date(2026, 12, 3), None, time(14, 0)),
        ("the 9th around 11", date(2026, 12, 9), None, time(11, 0)),
        ("Monday", date(2026, 12, 7), None, None),  # today is Monday: the next one
        ("in two weeks", date(2026, 12, 14), None, None),
        ("Friday at 3", date(2026, 12, 4), None, time(15, 0)),
    ],
)
def test_appointment_days_and_times(
    text: str, day: date, daypart: str | None, clock: time | None, demo: PracticeFile
) -> None:
    found = ents(text, demo)
    assert (found.day, found.daypart, found.time_of_day) == (day, daypart, clock)


def test_ranges_and_soonest(demo: PracticeFile) -> None:
    week = ents("sometime next week", demo)
    assert (week.day, week.day_end) == (date(2026, 12, 7), date(2026, 12, 13))
    assert ents("as soon as possible", demo).soonest
    after = ents("anything after 3 on Friday", demo)
    assert after.after_time == time(15, 0) and after.day == date(2026, 12, 4)


@pytest.mark.parametrize(
    ("text", "expecting", "name"),
    [
        ("My name is Maria Gonzalez", False, "maria gonzalez"),
        ("Hi this is James O'Brien, I need to change my appointment", False, "james o'brien"),
        ("maria gonzales", True, "maria gonzales"),
        ("I want to book a physical", True, None),
        ("can I come in on Friday", True, None),
        ("Patel Anita", True, "patel anita"),  # names may share words with doctors' names
    ],
)
def test_names(text: str, expecting: bool, name: str | None, demo: PracticeFile) -> None:
    assert ents(text, demo, expecting_name=expecting).name == name


@pytest.mark.parametrize(
    ("text", "provider", "kind"),
    [
        ("with doctor patel", "dr-patel", None),
        ("with Dr. Chen for my annual checkup", "dr-chen", "physical"),
        ("the pediatrician for a flu shot", "dr-okafor", "vaccination"),
        ("the nurse practitioner for a follow up", "np-rivera", "follow-up"),
        ("I have a sore throat", None, "sick-visit"),
    ],
)
def test_providers_and_types(text: str, provider: str | None, kind: str | None, demo: PracticeFile) -> None:
    found = ents(text, demo)
    assert (found.provider_id, found.type_id) == (provider, kind)


def test_yes_no_choices_corrections(demo: PracticeFile) -> None:
    assert ents("yes please", demo).yes and not ents("yes please", demo).no
    assert ents("nope", demo).no
    assert ents("the second one", demo).choice == 1
    assert ents("the last one", demo).choice == -1
    correction = ents("no, I said Tuesday", demo)
    assert correction.correction and correction.day == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("I need to cancel my appointment", "cancel"),
        ("please move the vaccination to Tuesday", "reschedule"),
        ("can I change my appointment time", "reschedule"),
        ("I'd like to book a checkup", "book"),
        ("when is my next appointment", "appointments"),
        ("what are your hours", None),
    ],
)
def test_task_words(text: str, task: str | None) -> None:
    assert task_words(text) == task


def test_spoken_numbers() -> None:
    assert words_to_numbers("ten thirty") == "10:30"
    assert words_to_numbers("nineteen eighty four") == "1984"
    assert words_to_numbers("two thousand and one") == "2001"
    assert words_to_numbers("twenty first") == "21"


@pytest.mark.parametrize(
    ("text", "days", "minutes"),
    [
        ("can you push it back an hour", 0, 60),
        ("same time a week later", 7, 0),
        ("same time next week please", 7, 0),
        ("could we do the day before", -1, 0),
        ("move it up a day", -1, 0),
        ("fifteen minutes later", 0, 15),
        ("an hour and a half earlier", 0, -90),
        ("push my physical two hours", 0, 120),
    ],
)
def test_moves_relative_to_the_appointment(text: str, days: int, minutes: int, demo: PracticeFile) -> None:
    relative = ents(text, demo).extra["relative"]
    assert (relative["days"], relative["minutes"]) == (days, minutes)


@pytest.mark.parametrize(
    "text",
    [
        "I need a follow up two weeks from today",
        "the day after tomorrow",
        "the week after next",
        "Friday at 10",
    ],
)
def test_calendar_phrases_are_not_relative_moves(text: str, demo: PracticeFile) -> None:
    relative = ents(text, demo).extra.get("relative") or {}
    assert not relative.get("days") and not relative.get("minutes")


def test_weekday_with_day_of_month(demo: PracticeFile) -> None:
    assert ents("Wednesday the ninth at eleven", demo).day == date(2026, 12, 9)


def test_name_after_a_family_member(demo: PracticeFile) -> None:
    assert ents("My husband James O'Brien needs to move his physical", demo).name == "james o'brien"


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("Lynda Thomson, twelve nineteen sixty eight", date(1968, 12, 19)),
        ("ethan nguyen may eighth twenty sixteen", date(2016, 5, 8)),
    ],
)
def test_spoken_dates_of_birth_as_numbers(text: str, dob: date, demo: PracticeFile) -> None:
    assert ents(text, demo).dob == dob


def test_a_first_name_spelled_as_it_sounds_still_matches() -> None:
    from reddytalk.agent.matching import name_matches

    assert name_matches("lynda thomson", "Linda", "Thompson")
    assert not name_matches("laura thompson", "Linda", "Thompson")
