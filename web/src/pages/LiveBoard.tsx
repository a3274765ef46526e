import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { ApiError } from "../api/client";
import { errorText } from "../api/hooks";
import { Link } from "../router";
import { staffLive } from "../realtime/staffLive";
import type { LiveCall } from "../realtime/liveCalls";
import { Takeover } from "../realtime/takeover";

const SPEAKER: Record<string, string> = { caller: "Caller", receptionist: "Receptionist", staff: "Staff" };

function since(startedAt: number | null): string {
  if (!startedAt) return "";
  const seconds = Math.max(0, Math.round(Date.now() / 1000 - startedAt));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function TakeoverControls({ call }: { call: LiveCall }) {
  const [takeover, setTakeover] = useState<Takeover | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const take = async () => {
    setBusy(true);
    setProblem(null);
    const next = new Takeover(call.session_id, (status) => setProblem(status === "retrying" ? "Network trouble: your voice is being resent…" : null));
    try {
      await next.start();
      setTakeover(next);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 405)) setProblem("Taking over calls is not available on this server yet.");
      else if (err instanceof ApiError && err.status === 409) setProblem("Someone else is on this call, or it has ended.");
      else setProblem(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const handBack = async () => {
    setBusy(true);
    try {
      await takeover?.handBack();
    } catch (err) {
      setProblem(errorText(err));
    } finally {
      setTakeover(null);
      setBusy(false);
    }
  };

  if (call.status === "ended") return null;
  return (
    <div className="takeover">
      {takeover ? (
        <button type="button" className="warn" disabled={busy} onClick={() => void handBack()}>
          Hand back to receptionist
        </button>
      ) : (
        <button type="button" disabled={busy || call.taken_over_by !== null} onClick={() => void take()}>
          Take over
        </button>
      )}
      {takeover && <span className="pill live">You are on the call</span>}
      {!takeover && call.taken_over_by && <span className="pill">Taken over by staff</span>}
      {problem && <span className="error" role="alert">{problem}</span>}
    </div>
  );
}

function CallCard({ call }: { call: LiveCall }) {
  const flags = Object.keys(call.flags);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current; // follow the conversation as lines arrive
    if (el) el.scrollTop = el.scrollHeight;
  }, [call.lines.length]);
  return (
    <article className={`call ${call.status === "ended" ? "ended" : ""}`} aria-labelledby={`call-${call.session_id}`} data-testid="live-call">
      <header>
        <h2 id={`call-${call.session_id}`}>
          <Link href={`/calls/${call.session_id}`}>Call {call.session_id.slice(0, 8)}</Link>
        </h2>
        <span className={`pill status-${call.status}`}>{call.status}</span>
        {call.channel && <span className="pill">{call.channel}</span>}
        {call.started_at && call.status !== "ended" && <span className="muted">{since(call.started_at)}</span>}
        {flags.map((flag) => (
          <span key={flag} className={`pill flag flag-${flag}`}>
            {flag.replace(/_/g, " ")}
          </span>
        ))}
      </header>
      <ol ref={list} className="lines" aria-live="polite" aria-label="Conversation">
        {call.lines.map((line, i) => {
          const firstOfReply = line.speaker === "receptionist" && !call.lines.slice(0, i).some((l) => l.turn === line.turn && l.speaker === "receptionist");
          const timings = firstOfReply ? call.turns[line.turn]?.timings : null;
          return (
            <li key={`${line.turn}:${line.speaker}:${line.seq}`} className={`line ${line.speaker}`} data-turn={line.turn}>
              <span className="speaker">{SPEAKER[line.speaker]}</span>
              <span className="text">{line.text}</span>
              {line.turn > 0 && timings?.first_audio_ms !== undefined && timings.first_audio_ms > 0 && (
                <span className="latency" title="End of the caller's speech to the first reply audio">
                  {Math.round(timings.first_audio_ms)} ms
                </span>
              )}
            </li>
          );
        })}
        {call.lines.length === 0 && <li className="muted">Waiting for the first words…</li>}
      </ol>
      <TakeoverControls call={call} />
    </article>
  );
}

export function LiveBoard() {
  const live = staffLive();
  const state = useSyncExternalStore(live.store.subscribe, live.store.getSnapshot);
  const calls = Object.values(state.calls).sort((a, b) => (b.started_at ?? 0) - (a.started_at ?? 0));
  const active = calls.filter((c) => c.status !== "ended");
  const ended = calls.filter((c) => c.status === "ended").slice(0, 6);
  return (
    <section aria-labelledby="live-title">
      <h1 id="live-title">Live calls</h1>
      <p className="muted" data-testid="active-count">
        {active.length === 0 ? "No calls right now. New calls appear here as they start." : `${active.length} active`}
      </p>
      <div className="board">
        {active.map((call) => (
          <CallCard key={call.session_id} call={call} />
        ))}
      </div>
      {ended.length > 0 && (
        <>
          <h2>Just ended</h2>
          <div className="board">
            {ended.map((call) => (
              <CallCard key={call.session_id} call={call} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
