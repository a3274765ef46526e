"""The dashboard and the web caller in Debian's Chromium against the real local host (issue 13).

A staff member signs in; a second browser opens the web caller with Chromium's fake microphone
playing a WAV rendered by the local TTS (consent → booking by voice → an emergency); the staff
browser shows the call line by line, the booking appears on the open day view without a reload,
and the emergency raises the alert. The staff member then takes the call over: the staff browser's
fake microphone is played on the caller's page, and the receptionist stays silent while the caller
talks to staff, until the hand-back. A second caller asks for a person nobody picks up: the
receptionist takes a message, which appears in the staff inbox without a reload. Screenshots of every page at desktop and phone width go to
``web/test-artifacts/``; any console error fails. The browser part is ``web/e2e/e2e.mjs``
(playwright-core driving /usr/bin/chromium; never a browser download).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "calls"))
from callkit import ROOT, host_env, seed

from devhost.host import LocalHost
from reddytalk.audit import AuditLog
from reddytalk.messages.service import MessageService
from reddytalk.services import close_services
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore
from reddytalk.voice.tts.local import LocalTextToSpeech

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DIST = ROOT / "web" / "dist"
ARTIFACTS = ROOT / "web" / "test-artifacts"
EMAIL = "frontdesk@maple.example"
PASSWORD = "a long enough test password"
RATE = 16_000
# What the caller says, each after this many seconds of silence (room for the reply to play out).
SCRIPT = (
    (6.0, "I need to make an appointment"),
    (11.0, "My name is Maria Gonzalez, born March 12 1984"),
    (12.0, "I need a sick visit on Tuesday morning"),
    (16.0, "the second one please"),
    (12.0, "yes please"),
    (12.0, "I have crushing chest pain and I can't breathe"),
    # By now a staff member has taken the call over: the caller talks to them, the receptionist
    # must stay silent.
    (16.0, "Hi, yes, I need to change my appointment"),
    (14.0, ""),
)
# A second caller asks for a person nobody picks up (HANDOFF_TIMEOUT_SECONDS below), then leaves
# a message when the receptionist offers to take one.
HANDOFF_TIMEOUT_SECONDS = "6"
NO_PICKUP_SCRIPT = (
    (6.0, "I want to talk to a real person"),
    (24.0, "My name is Maria Gonzalez"),
    (7.0, "six one seven, five five five, zero one four two"),
    (7.0, "please call me back about my test results"),
    (6.0, ""),
)
BOOKED_DAY = "2026-12-01"  # "Tuesday morning" from the fixed clock (Monday 2026-11-30)


async def _render(path: Path, script: tuple[tuple[float, str], ...]) -> None:
    tts = LocalTextToSpeech()
    parts: list[np.ndarray] = []
    for silence, text in script:
        parts.append(np.zeros(int(silence * RATE), dtype="<i2"))
        if text:
            pcm = b"".join([chunk async for chunk in tts.synthesize(text)])
            parts.append(np.frombuffer(pcm, dtype="<i2"))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.concatenate(parts).tobytes())


async def _take_message(state: Path, practice_id: str) -> None:
    """A message the receptionist took on an earlier call, for the inbox's done/undo."""
    store = EmbeddedDocumentStore(state / "documents.sqlite3")
    try:
        await MessageService(store, AuditLog(store)).take(
            practice_id,
            session_id="call-earlier",
            kind="callback",
            caller_name="Sam Carter",
            phone="+16175550142",
            reason="Please call back about lab results",
        )
    finally:
        await store.close()


def _add_staff(state: Path, env: dict[str, str]) -> None:
    full = {**os.environ, **env, "REDDYTALK_ADMIN_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "reddytalk.cli.main", "users", "add-admin", "--practice-id", "maple-grove"]
    cmd += ["--email", EMAIL, "--name", "Frank Desk"]
    done = subprocess.run(cmd, env=full, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_staff_watch_a_web_call_book_and_raise_an_emergency(tmp_path: Path) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing (apt-get install -y chromium)"
    assert (DIST / "index.html").is_file(), "web/dist is not built (make web)"
    wav = tmp_path / "caller.wav"
    asyncio.run(_render(wav, SCRIPT))
    wav_no_pickup = tmp_path / "caller-no-pickup.wav"
    asyncio.run(_render(wav_no_pickup, NO_PICKUP_SCRIPT))
    practice_id = seed(tmp_path)
    asyncio.run(_take_message(tmp_path, practice_id))
    env = host_env(tmp_path, IDLE_TIMEOUT_SECONDS="60", HANDOFF_TIMEOUT_SECONDS=HANDOFF_TIMEOUT_SECONDS)
    _add_staff(tmp_path, env)
    host = LocalHost(ROOT, tmp_path / "host", port=0, signalr_port=0, env=env, static_dir=DIST)
    handle = host.run_in_thread()
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        cmd = ["node", str(ROOT / "web" / "e2e" / "e2e.mjs")]
        args = {
            "base": handle.base_url,
            "wav": str(wav),
            "wav2": str(wav_no_pickup),
            "out": str(ARTIFACTS),
            "practice": practice_id,
        }
        args |= {"email": EMAIL, "password": PASSWORD, "day": BOOKED_DAY, "chromium": CHROMIUM}
        for key, value in args.items():
            cmd += [f"--{key}", value]
        done = subprocess.run(cmd, cwd=ROOT / "web", capture_output=True, text=True, timeout=540)
        (ARTIFACTS / "e2e.log").write_text(done.stdout + done.stderr, encoding="utf-8")
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    finally:
        handle.run(close_services())
        handle.stop()
