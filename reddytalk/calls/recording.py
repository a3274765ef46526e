"""The call recording: caller utterances and receptionist (or staff) replies placed on one timeline.

Each stored utterance and reply blob carries its offset (in samples, on the caller's stream
timeline) in its metadata; the recording is assembled from those (``audio.recording``: stereo FLAC,
caller left, receptionist right). Raw call audio is deleted once the call is over: with consent it
lives on only inside the recording, without consent nothing remains.
"""

from __future__ import annotations

import numpy as np

from audio import mulaw
from audio.pcm import pcm16_samples
from audio.recording import RecordingBuilder
from audio.resample import resample
from reddytalk.calls.contracts import CallEnd
from reddytalk.calls.intake_record import IntakeRecords
from reddytalk.services import Services

RATE = 16000


def offset_metadata(offset_samples: int, sample_rate: int = RATE) -> dict[str, str]:
    return {"offset_samples": str(max(0, offset_samples)), "sample_rate": str(sample_rate)}


async def store_recording(services: Services, end: CallEnd) -> str | None:
    if not end.call.recording_consent:
        return None
    container = services.settings.utterances_container
    builder = RecordingBuilder(RATE)
    for info in await services.blobs.list(container, prefix=f"{end.call.session_id}/"):
        name = info.name.rsplit("/", 1)[-1]
        if not name.startswith(("caller-", "reply-", "staff-")):
            continue
        data = await services.blobs.get(container, info.name)
        offset = int(info.metadata.get("offset_samples", "0")) / int(info.metadata.get("sample_rate", RATE))
        samples = _decode(data, info.content_type)
        builder.add("caller" if name.startswith("caller-") else "receptionist", offset, samples)
    if builder.duration_s == 0:
        return None
    blob = f"{end.call.practice_id}/{end.call.session_id}.flac"
    await services.blobs.put(
        services.settings.recordings_container,
        blob,
        builder.to_flac(),
        content_type="audio/flac",
        metadata={"session_id": end.call.session_id, "layout": "stereo caller-left receptionist-right"},
    )
    return blob


def _decode(data: bytes, content_type: str) -> np.ndarray:
    if content_type == "audio/basic":  # G.711 μ-law at 8 kHz (phone calls)
        return resample(mulaw.decode(data), 8000, RATE)
    return pcm16_samples(data)


async def purge_call_audio(services: Services, end: CallEnd) -> int:
    """Delete the call's raw audio (chunks, utterances, replies) and its intake record; returns how
    many blobs went."""
    await IntakeRecords(services.documents).delete(end.call.practice_id, end.call.session_id)
    container = services.settings.utterances_container
    blobs = await services.blobs.list(container, prefix=f"{end.call.session_id}/")
    for info in blobs:
        await services.blobs.delete(container, info.name)
    return len(blobs)


async def sweep_stale_audio(services: Services, *, now: float) -> int:
    """Delete raw call audio that no finished call purged: calls whose newest blob is older than
    ``RAW_AUDIO_MAX_AGE_MINUTES`` (a crash, a purge that failed for good). Returns blobs deleted.

    Grouped by call, and judged by the call's newest blob, so a long call still in progress (which
    keeps writing audio) is never swept from under itself.
    """
    container = services.settings.utterances_container
    cutoff = now - services.settings.raw_audio_max_age_minutes * 60
    calls: dict[str, list[str]] = {}
    newest: dict[str, float] = {}
    for info in await services.blobs.list(container):
        session = info.name.split("/", 1)[0]
        calls.setdefault(session, []).append(info.name)
        newest[session] = max(newest.get(session, 0.0), info.last_modified)
    deleted = 0
    for session, names in calls.items():
        if newest[session] < cutoff:
            for name in names:
                await services.blobs.delete(container, name)
            deleted += len(names)
    return deleted
