"""argon2id hashing: OWASP floor, rehash on parameter rise, length rules, bounded concurrency."""

from __future__ import annotations

import asyncio
import re

import pytest

from reddytalk.auth.passwords import HashParams, Passwords, check_password_rules
from reddytalk.errors import ValidationFailed

PHC = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")


async def test_hash_is_argon2id_at_or_above_the_owasp_floor(passwords: Passwords) -> None:
    stored = await passwords.hash("correct horse battery staple")
    match = PHC.match(stored)
    assert match, stored
    memory, time_cost, parallelism = map(int, match.groups())
    assert memory >= 19_456 and time_cost >= 2 and parallelism >= 1
    assert (await passwords.verify(stored, "correct horse battery staple")).ok


async def test_long_password_round_trips_and_nothing_is_folded_or_truncated(passwords: Passwords) -> None:
    long_pw = "x" * 99 + "y"
    stored = await passwords.hash(long_pw)
    assert (await passwords.verify(stored, long_pw)).ok
    assert not (await passwords.verify(stored, "x" * 99)).ok
    spaced = await passwords.hash("Tuesday morning coffee ")
    assert not (await passwords.verify(spaced, "Tuesday morning coffee")).ok
    assert not (await passwords.verify(spaced, "tuesday morning coffee ")).ok


@pytest.mark.parametrize("bad", ["short", "elevenchars", "x" * 129])
def test_length_rules(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        check_password_rules(bad)


@pytest.mark.parametrize("good", ["aaaaaaaaaaaa", "only lower case words", "x" * 128])
def test_no_composition_rules(good: str) -> None:
    check_password_rules(good)


def test_parameters_below_the_floor_are_refused() -> None:
    with pytest.raises(ValueError):
        HashParams(memory_kib=8192)
    with pytest.raises(ValueError):
        HashParams(time_cost=1)


async def test_raising_parameters_asks_for_a_rehash(passwords: Passwords) -> None:
    stored = await passwords.hash("a perfectly fine passphrase")
    stronger = Passwords(HashParams(memory_kib=24_576, time_cost=2, parallelism=1))
    result = await stronger.verify(stored, "a perfectly fine passphrase")
    assert result.ok and result.needs_rehash
    rehashed = await stronger.hash("a perfectly fine passphrase")
    assert "m=24576" in rehashed
    assert not (await stronger.verify(rehashed, "a perfectly fine passphrase")).needs_rehash


async def test_unknown_user_verify_fails_and_still_does_the_work() -> None:
    p = Passwords()
    result = await p.verify(None, "whatever password")
    assert not result.ok
    assert p.peak_concurrency == 1  # a real argon2 verify ran (timing parity with a wrong password)


async def test_concurrent_hashing_is_bounded() -> None:
    p = Passwords(max_concurrent=2)
    hashes = await asyncio.gather(*(p.hash(f"parallel password {i:03d}") for i in range(8)))
    assert len(set(hashes)) == 8
    assert p.peak_concurrency == 2


async def test_garbage_stored_hash_is_a_failed_verify(passwords: Passwords) -> None:
    assert not (await passwords.verify("not-a-hash", "whatever password")).ok
