import { useState, useSyncExternalStore } from "react";
import { api, ApiError } from "../api/client";
import { errorText, useLoad } from "../api/hooks";
import type { Page, StaffMessage } from "../api/types";
import { Link } from "../router";
import { staffLive } from "../realtime/staffLive";

const KIND: Record<string, string> = {
  callback: "Call back",
  refill: "Refill",
  running_late: "Running late",
  handoff_unanswered: "Wanted a person",
  other: "Message",
};

export default function Inbox() {
  const [status, setStatus] = useState<"open" | "done">("open");
  const [cursor, setCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const live = useSyncExternalStore(staffLive().store.subscribe, staffLive().store.getSnapshot);
  const messages = useLoad(
    (signal) => api<Page<StaffMessage>>("messages", { query: { status, cursor }, signal }).then((r) => r.data),
    [status, cursor, live.dataVersion],
  );
  const act = async (message: StaffMessage, action: "done" | "undo") => {
    try {
      await api(`messages/${encodeURIComponent(message.id)}/${action}`, { method: "POST" });
      setProblem(null);
      messages.reload();
    } catch (err) {
      setProblem(errorText(err));
    }
  };
  const missing = messages.error instanceof ApiError && (messages.error.status === 404 || messages.error.status === 405);

  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">Inbox</h1>
      <div role="tablist" aria-label="Messages" className="row">
        {(["open", "done"] as const).map((s) => (
          <button key={s} type="button" role="tab" aria-selected={status === s} onClick={() => { setStatus(s); setCursor(null); }}>
            {s === "open" ? "To do" : "Done"}
          </button>
        ))}
      </div>
      {missing && <p className="notice">The message inbox is not available on this server yet.</p>}
      {messages.error && !missing && <p className="error" role="alert">{errorText(messages.error)}</p>}
      {problem && <p className="error" role="alert">{problem}</p>}
      <ul className="messages">
        {(messages.data?.items ?? []).map((m) => (
          <li key={m.id} className="card message" data-testid="message">
            <header>
              <span className="pill">{KIND[m.kind] ?? m.kind}</span> <strong>{m.caller_name}</strong> <a href={`tel:${m.phone}`}>{m.phone}</a>
              <span className="muted"> · {new Date(m.created_at).toLocaleString()}</span>
            </header>
            <p>{m.reason}</p>
            <footer className="row">
              <Link href={`/calls/${m.session_id}`}>The call</Link>
              {m.patient_id && <Link href={`/patients/${m.patient_id}`}>Patient</Link>}
              {m.status === "open" ? (
                <button type="button" onClick={() => void act(m, "done")}>Mark done</button>
              ) : (
                <button type="button" className="link" onClick={() => void act(m, "undo")}>Undo</button>
              )}
            </footer>
          </li>
        ))}
      </ul>
      {messages.data && messages.data.items.length === 0 && <p className="muted">{status === "open" ? "Nothing to do." : "Nothing done yet."}</p>}
      {messages.data?.next && <button type="button" onClick={() => setCursor(messages.data?.next ?? null)}>More</button>}
    </section>
  );
}
