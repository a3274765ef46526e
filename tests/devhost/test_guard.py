"""Which Host names the local host answers (devhost/guard.py); the HTTP behaviour is in
durable/test_durable_security.py."""

from __future__ import annotations

import socket

from devhost.guard import _host_name, listen_names


def test_loopback_listeners_answer_loopback_names_only() -> None:
    names = listen_names("127.0.0.1")
    assert {"127.0.0.1", "localhost", "::1"} <= names
    assert "rebind.example" not in names and socket.gethostname().lower() not in names


def test_a_wildcard_listener_also_answers_the_machine_names_and_extra_names() -> None:
    names = listen_names("0.0.0.0", ["Tunnel.Example."])
    assert socket.gethostname().lower() in names and "tunnel.example" in names and "localhost" in names


def test_host_header_values_are_read_without_port_or_brackets() -> None:
    assert _host_name("LocalHost:7071") == "localhost"
    assert _host_name("[::1]:7071") == "::1"
    assert _host_name("127.0.0.1") == "127.0.0.1"
    assert _host_name("") == ""
