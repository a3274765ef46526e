import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { CallerSession } from "../caller/session";

const STATUS: Record<string, string> = {
  connecting: "Connecting…",
  reconnecting: "Connection lost — reconnecting…",
  offline: "Connection lost — retrying…",
};

export default function Caller({ practiceId }: { practiceId: string }) {
  const [attempt, setAttempt] = useState(0);
  const session = useMemo(() => new CallerSession(practiceId), [practiceId, attempt]); // eslint-disable-line react-hooks/exhaustive-deps
  const view = useSyncExternalStore(session.subscribe, session.getView);
  const captions = useSyncExternalStore(session.captions.subscribe, session.captions.getSnapshot);
  const [consent, setConsent] = useState<boolean | null>(null);
  const [muted, setMuted] = useState(false);
  const lines = session.sessionId ? (captions.calls[session.sessionId]?.lines ?? []) : [];

  useEffect(() => () => void (session.view.phase === "live" && session.hangUp()), [session]);
  useEffect(() => session.setMuted(muted), [session, muted]);
  const log = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight; // newest caption in view
  }, [lines.length]);

  const trouble =
    view.phase === "live" && view.hub !== "connected" ? STATUS[view.hub] : view.upload === "retrying" ? "Network trouble: your voice is being resent…" : null;

  return (
    <main className="caller-page" id="main">
      <h1>Call the practice</h1>
      {view.phase === "idle" || view.phase === "failed" ? (
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            if (consent !== null) void session.start(consent);
          }}
        >
          <p>You will talk with the practice's AI receptionist. It can book, move or cancel appointments and answer questions. In an emergency, call 911.</p>
          <fieldset>
            <legend>May we record this call?</legend>
            <label className="inline">
              <input type="radio" name="consent" checked={consent === true} onChange={() => setConsent(true)} /> Yes, record it
            </label>
            <label className="inline">
              <input type="radio" name="consent" checked={consent === false} onChange={() => setConsent(false)} /> No recording
            </label>
          </fieldset>
          {view.problem && (
            <p className="error" role="alert" data-testid="caller-problem">
              {view.problem}
            </p>
          )}
          <button type="submit" className="big" disabled={consent === null}>
            {view.phase === "failed" ? "Try again" : "Start call"}
          </button>
        </form>
      ) : (
        <div className="card">
          <p role="status" aria-live="polite" className="call-status" data-testid="call-status">
            {view.phase === "starting" && "Starting the call…"}
            {view.phase === "live" && (view.speaking ? (view.staffJoined ? "Staff member speaking" : "The receptionist is speaking") : "Listening — speak any time")}
            {view.phase === "ended" && `Call ended${view.endReason === "emergency" ? ". If this is an emergency, call 911 now." : "."}`}
          </p>
          {view.staffJoined && (
            <p className="notice" role="status" data-testid="staff-joined" data-staff-chunks={view.staffChunks} data-staff-seconds={view.staffSeconds.toFixed(2)}>
              A member of the practice staff has joined the call.
            </p>
          )}
          {trouble && (
            <p className="notice" role="alert">
              {trouble}
            </p>
          )}
          <ol ref={log} className="captions lines" role="log" aria-live="polite" aria-label="Captions">
            {lines.map((line) => (
              <li key={`${line.turn}:${line.speaker}:${line.seq}`} className={`line ${line.speaker}`}>
                <span className="speaker">{line.speaker === "caller" ? "You" : line.speaker === "staff" ? "Staff" : "Receptionist"}</span>
                <span className="text">{line.text}</span>
              </li>
            ))}
          </ol>
          {view.phase === "live" && (
            <div className="row">
              <button type="button" aria-pressed={muted} onClick={() => setMuted((m) => !m)}>
                {muted ? "Unmute" : "Mute"}
              </button>
              <button type="button" className="danger big" onClick={() => void session.hangUp()}>
                Hang up
              </button>
            </div>
          )}
          {view.phase === "ended" && (
            <button type="button" onClick={() => setAttempt((a) => a + 1)}>
              New call
            </button>
          )}
        </div>
      )}
    </main>
  );
}
