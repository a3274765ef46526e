import { useEffect, useState } from "react";
import { api, ApiError, request } from "../api/client";
import { errorText, useLoad } from "../api/hooks";
import type { CallDetails, CallTranscript, TurnTimings } from "../api/types";
import { time } from "./Calls";

interface TurnFacts {
  turn: number;
  timings: Required<Omit<TurnTimings, "stt_ms" | "tts_ms">> & { stt_ms: number; tts_ms: number };
  tools: string[];
  flags: string[];
  interrupted: boolean;
}

const SEGMENTS = [
  ["end_of_turn_ms", "End of turn", "seg-eot"],
  ["stt_done_ms", "Speech to text", "seg-stt"],
  ["first_token_ms", "Agent", "seg-agent"],
  ["first_audio_ms", "First audio", "seg-audio"],
] as const;

/** Per-turn bars: each segment runs from the previous mark to its own (ms after the caller stopped). */
function Waterfall({ turns }: { turns: TurnFacts[] }) {
  const shown = turns.filter((t) => t.turn > 0 && t.timings.first_audio_ms > 0);
  if (shown.length === 0) return <p className="muted">No answered turns yet.</p>;
  const scale = Math.max(...shown.map((t) => t.timings.first_audio_ms), 1);
  return (
    <div className="waterfall" role="table" aria-label="Latency per turn">
      <div className="legend" aria-hidden="true">
        {SEGMENTS.map(([, label, cls]) => (
          <span key={cls}><i className={cls} /> {label}</span>
        ))}
      </div>
      {shown.map((t) => {
        let previous = 0;
        return (
          <div className="wf-row" role="row" key={t.turn}>
            <span role="rowheader" className="wf-turn">Turn {t.turn}</span>
            <span role="cell" className="wf-bar" aria-label={SEGMENTS.map(([k, label]) => `${label} ${Math.round(t.timings[k])} ms`).join(", ")}>
              {SEGMENTS.map(([key, label, cls]) => {
                const end = Math.max(previous, t.timings[key]);
                const width = ((end - previous) / scale) * 100;
                const left = (previous / scale) * 100;
                previous = end;
                return <i key={key} className={cls} style={{ left: `${left}%`, width: `${width}%` }} title={`${label}: ${Math.round(end)} ms`} />;
              })}
            </span>
            <span role="cell" className="wf-total">{Math.round(t.timings.first_audio_ms)} ms</span>
          </div>
        );
      })}
    </div>
  );
}

function Recording({ sessionId, consent }: { sessionId: string; consent: boolean | null }) {
  const [src, setSrc] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    if (!consent) {
      setNote("The caller did not allow recording.");
      return;
    }
    let objectUrl: string | null = null;
    let cancelled = false;
    request(`calls/${encodeURIComponent(sessionId)}/recording`, { headers: { Accept: "audio/flac" } })
      .then((res) => res.blob())
      .then((blob) => {
        if (cancelled) return;
        objectUrl = URL.createObjectURL(blob);
        setSrc(objectUrl);
      })
      .catch((err: unknown) => setNote(err instanceof ApiError && err.status === 404 ? "The recording is not ready yet (it is filed when the call ends)." : errorText(err)));
    return () => {
      cancelled = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [sessionId, consent]);
  if (note) return <p className="muted">{note}</p>;
  if (!src) return <p className="muted">Loading recording…</p>;
  return (
    <figure>
      <audio controls src={src} preload="metadata" aria-label="Call recording (stereo)" />
      <figcaption className="muted">Stereo: caller on the left, receptionist on the right.</figcaption>
    </figure>
  );
}

export default function CallDetail({ sessionId }: { sessionId: string }) {
  const id = encodeURIComponent(sessionId);
  const details = useLoad((signal) => api<CallDetails>(`calls/${id}`, { signal }).then((r) => r.data), [sessionId]);
  const transcript = useLoad((signal) => api<CallTranscript>(`calls/${id}/transcript`, { signal }).then((r) => r.data), [sessionId]);
  const turns = useLoad((signal) => api<{ turns: TurnFacts[] }>(`calls/${id}/turns`, { signal }).then((r) => r.data.turns), [sessionId]);
  const call = details.data;
  const tools = [...new Set((turns.data ?? []).flatMap((t) => t.tools))];
  const cost = call?.metrics?.cost_usd;
  const costValue = typeof cost === "number" ? cost : typeof cost === "object" && cost !== null ? (cost as { total?: number }).total : undefined;

  return (
    <section aria-labelledby="call-title">
      <h1 id="call-title">Call {sessionId.slice(0, 8)}</h1>
      {details.error && <p className="error" role="alert">{errorText(details.error)}</p>}
      {call && (
        <dl className="facts">
          <div><dt>Status</dt><dd>{call.status}</dd></div>
          <div><dt>Started</dt><dd>{time(call.started_at)}</dd></div>
          <div><dt>Ended</dt><dd>{time(call.ended_at)}</dd></div>
          <div><dt>Ended because</dt><dd>{call.end_reason ?? "—"}</dd></div>
          <div><dt>Cost</dt><dd data-testid="call-cost">{costValue !== undefined ? `$${costValue.toFixed(4)}` : "after the call"}</dd></div>
          <div><dt>Tools used</dt><dd>{tools.length ? tools.join(", ") : "none"}</dd></div>
        </dl>
      )}
      <h2>Recording</h2>
      {call && <Recording sessionId={sessionId} consent={call.recording_consent} />}
      <h2>Latency per turn</h2>
      {turns.error ? <p className="error">{errorText(turns.error)}</p> : <Waterfall turns={turns.data ?? []} />}
      <h2>Transcript {transcript.data && !transcript.data.final && <span className="pill">live</span>}</h2>
      {transcript.error && <p className="error">{errorText(transcript.error)}</p>}
      <ol className="lines full">
        {(transcript.data?.lines ?? []).map((line, i) => (
          <li key={i} className={`line ${line.speaker}`}>
            <span className="speaker">{line.speaker === "caller" ? "Caller" : line.speaker === "staff" ? "Staff" : "Receptionist"}</span>
            <span className="text">{line.text}</span>
          </li>
        ))}
      </ol>
      {call?.summary && (
        <>
          <h2>Summary</h2>
          <dl className="facts">
            {Object.entries(call.summary).map(([k, v]) => (
              <div key={k}><dt>{k.replace(/_/g, " ")}</dt><dd>{Array.isArray(v) ? v.join(", ") : String(v)}</dd></div>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}
