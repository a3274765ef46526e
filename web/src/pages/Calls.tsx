import { useState } from "react";
import { api } from "../api/client";
import { errorText, useLoad } from "../api/hooks";
import type { CallSummary, Page } from "../api/types";
import { Link } from "../router";

export function time(seconds: number | null | undefined): string {
  return seconds ? new Date(seconds * 1000).toLocaleString() : "—";
}

export default function Calls() {
  const [status, setStatus] = useState("");
  const [cursor, setCursor] = useState<string | null>(null);
  const calls = useLoad((signal) => api<Page<CallSummary>>("calls", { query: { status, continuation: cursor, page_size: 25 }, signal }).then((r) => r.data), [status, cursor]);
  return (
    <section aria-labelledby="calls-title">
      <h1 id="calls-title">Call history</h1>
      <label className="inline">
        Status{" "}
        <select value={status} onChange={(e) => { setStatus(e.target.value); setCursor(null); }}>
          <option value="">All</option>
          <option value="active">Active</option>
          <option value="ended">Ended</option>
        </select>
      </label>
      {calls.error && <p className="error" role="alert">{errorText(calls.error)}</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr><th>Call</th><th>Started</th><th>Status</th><th>Channel</th><th>Ended because</th></tr>
          </thead>
          <tbody>
            {(calls.data?.items ?? []).map((c) => (
              <tr key={c.session_id}>
                <td><Link href={`/calls/${c.session_id}`}>{c.session_id.slice(0, 8)}</Link></td>
                <td>{time(c.started_at)}</td>
                <td>{c.status}</td>
                <td>{c.channel}</td>
                <td>{c.end_reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {calls.data?.items.length === 0 && <p className="muted">No calls yet.</p>}
      {calls.data?.continuation && <button type="button" onClick={() => setCursor(calls.data?.continuation ?? null)}>Older calls</button>}
    </section>
  );
}
