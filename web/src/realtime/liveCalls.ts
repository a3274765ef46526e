// The live board's state: every active call with its lines, per-turn latency, flags and alerts,
// built from SignalR messages (docs/voice-api.md) and from the API when catching up. Messages can
// repeat (a retried turn, a catch-up racing a push): each line has a key and is kept once.

import type { CallSummary, TranscriptLine, TurnTimings } from "../api/types";

export type Speaker = "caller" | "receptionist" | "staff";

export interface Line {
  turn: number;
  speaker: Speaker;
  /** Sentence number of a reply (turn.text seq); -1 for a whole reply from a catch-up. */
  seq: number;
  text: string;
}

export interface TurnInfo {
  turn: number;
  timings: TurnTimings | null;
  tools: string[];
  interrupted: boolean;
}

export interface LiveCall {
  session_id: string;
  status: string;
  channel: string | null;
  started_at: number | null;
  lines: Line[];
  turns: Record<number, TurnInfo>;
  flags: Record<string, unknown>;
  taken_over_by: string | null;
  end_reason: string | null;
}

export type AlertKind = "emergency" | "transfer" | "takeover_needed";

export interface Alert {
  id: string;
  session_id: string;
  turn: number;
  kind: AlertKind | string;
  at: number;
  acknowledged: boolean;
}

export interface LiveState {
  calls: Record<string, LiveCall>;
  alerts: Alert[];
  /** Bumped by every change that should refresh schedules (a turn that used tools, a new message). */
  dataVersion: number;
}

type Payload = Record<string, unknown>;

export const TARGETS = [
  "turn.heard",
  "turn.text",
  "turn.done",
  "session.alert",
  "session.ended",
  "call.taken_over",
  "call.handed_back",
  "message.taken",
] as const;

function newCall(session_id: string): LiveCall {
  return {
    session_id,
    status: "active",
    channel: null,
    started_at: null,
    lines: [],
    turns: {},
    flags: {},
    taken_over_by: null,
    end_reason: null,
  };
}

function lineOrder(a: Line, b: Line): number {
  const rank = (s: Speaker) => (s === "caller" ? 0 : 1);
  return a.turn - b.turn || rank(a.speaker) - rank(b.speaker) || a.seq - b.seq;
}

/** Adds a line unless the same (turn, speaker, seq) is there, or a catch-up already holds the reply. */
export function addLine(lines: Line[], line: Line): Line[] {
  const same = lines.some(
    (l) =>
      l.turn === line.turn &&
      l.speaker === line.speaker &&
      (l.seq === line.seq || (line.speaker !== "receptionist" && l.text === line.text) || l.seq === -1 || line.seq === -1),
  );
  if (same) return lines;
  return [...lines, line].sort(lineOrder);
}

export class LiveCallsStore {
  private state: LiveState = { calls: {}, alerts: [], dataVersion: 0 };
  private listeners = new Set<() => void>();

  get snapshot(): LiveState {
    return this.state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): LiveState => this.state;

  /** One SignalR message; returns false for targets this store does not keep. */
  apply(target: string, payload: Payload): boolean {
    const sid = typeof payload.session_id === "string" ? payload.session_id : null;
    const turn = typeof payload.turn === "number" ? payload.turn : 0;
    if (target === "message.taken") {
      this.set({ ...this.state, dataVersion: this.state.dataVersion + 1 });
      return true;
    }
    if (!sid) return false;
    switch (target) {
      case "turn.heard": {
        const speaker: Speaker = payload.speaker === "staff" ? "staff" : "caller";
        const seq = typeof payload.seq === "number" ? payload.seq : 0;
        return this.updateCall(sid, (c) => ({ ...c, lines: addLine(c.lines, { turn, speaker, seq, text: String(payload.text ?? "") }) }));
      }
      case "turn.text": {
        const seq = typeof payload.seq === "number" ? payload.seq : 0;
        return this.updateCall(sid, (c) => ({
          ...c,
          lines: addLine(c.lines, { turn, speaker: "receptionist", seq, text: String(payload.text ?? "") }),
        }));
      }
      case "turn.done": {
        const tools = Array.isArray(payload.tool_calls)
          ? payload.tool_calls.map((t) => (typeof t === "string" ? t : String((t as Payload).name ?? "tool")))
          : [];
        const flags = (payload.flags ?? {}) as Record<string, unknown>;
        const info: TurnInfo = {
          turn,
          timings: (payload.timings_ms ?? null) as TurnTimings | null,
          tools,
          interrupted: payload.interrupted === true,
        };
        const changed = this.updateCall(sid, (c) => {
          let lines = c.lines;
          if (!lines.some((l) => l.turn === turn && l.speaker === "receptionist") && typeof payload.reply === "string" && payload.reply) {
            lines = addLine(lines, { turn, speaker: "receptionist", seq: -1, text: payload.reply });
          }
          const truthy = Object.fromEntries(Object.entries(flags).filter(([, v]) => Boolean(v)));
          return { ...c, lines, turns: { ...c.turns, [turn]: info }, flags: { ...c.flags, ...truthy } };
        });
        if (tools.length) this.set({ ...this.state, dataVersion: this.state.dataVersion + 1 });
        return changed;
      }
      case "session.alert": {
        const kind = String(payload.kind ?? "alert");
        const id = `${sid}:${turn}:${kind}`;
        if (!this.state.alerts.some((a) => a.id === id)) {
          const alert: Alert = { id, session_id: sid, turn, kind, at: Date.now(), acknowledged: false };
          this.set({ ...this.state, alerts: [...this.state.alerts, alert] });
        }
        return this.updateCall(sid, (c) => ({ ...c, flags: { ...c.flags, [kind]: true } }));
      }
      case "session.ended":
        return this.updateCall(sid, (c) => ({ ...c, status: "ended", end_reason: String(payload.reason ?? "") }));
      case "call.taken_over":
        return this.updateCall(sid, (c) => ({ ...c, taken_over_by: String(payload.staff_id ?? "staff") }));
      case "call.handed_back":
        return this.updateCall(sid, (c) => ({ ...c, taken_over_by: null }));
      default:
        return false;
    }
  }

  /** Calls from the API list: new active ones appear, ones the list reports ended are marked. */
  upsertSummaries(items: CallSummary[]): void {
    let calls = this.state.calls;
    for (const item of items) {
      const current = calls[item.session_id] ?? newCall(item.session_id);
      const next = {
        ...current,
        status: current.status === "ended" ? "ended" : (item.status ?? current.status),
        channel: item.channel,
        started_at: item.started_at,
        end_reason: item.end_reason ?? current.end_reason,
      };
      calls = { ...calls, [item.session_id]: next };
    }
    this.set({ ...this.state, calls });
  }

  /** Lines from the transcript API (catch-up after a missed stretch); live lines already held win. */
  mergeTranscript(sessionId: string, lines: TranscriptLine[]): void {
    this.updateCall(sessionId, (c) => {
      let merged = c.lines;
      for (const line of lines) {
        const held = merged.some((l) => l.turn === line.turn && l.speaker === line.speaker);
        if (!held) merged = addLine(merged, { turn: line.turn, speaker: line.speaker, seq: -1, text: line.text });
      }
      return merged === c.lines ? c : { ...c, lines: merged };
    });
  }

  acknowledge(alertId: string): void {
    this.set({ ...this.state, alerts: this.state.alerts.map((a) => (a.id === alertId ? { ...a, acknowledged: true } : a)) });
  }

  forget(sessionId: string): void {
    const { [sessionId]: _gone, ...rest } = this.state.calls;
    this.set({ ...this.state, calls: rest });
  }

  private updateCall(sessionId: string, change: (call: LiveCall) => LiveCall): boolean {
    const current = this.state.calls[sessionId] ?? newCall(sessionId);
    const next = change(current);
    if (next === current && this.state.calls[sessionId]) return true;
    this.set({ ...this.state, calls: { ...this.state.calls, [sessionId]: next } });
    return true;
  }

  private set(state: LiveState): void {
    this.state = state;
    this.listeners.forEach((listener) => listener());
  }
}
