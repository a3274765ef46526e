// The dashboard's live feed: one SignalR connection for the signed-in staff member, the list of
// active calls kept fresh from the API, each active call watched (joins its SignalR group), and a
// catch-up from the transcript API whenever the connection comes back or a call is first seen.

import { api } from "../api/client";
import type { CallSummary, CallTranscript, Page } from "../api/types";
import { Hub, type HubStatus } from "./hub";
import { LiveCallsStore, TARGETS } from "./liveCalls";

export interface StaffApi {
  activeCalls(): Promise<CallSummary[]>;
  watch(sessionId: string): Promise<void>;
  transcript(sessionId: string): Promise<CallTranscript>;
}

export const httpStaffApi: StaffApi = {
  async activeCalls() {
    const { data } = await api<Page<CallSummary>>("calls", { query: { status: "active", page_size: 50 } });
    return data.items;
  },
  async watch(sessionId) {
    await api("staff/negotiate", { method: "POST", query: { session_id: sessionId } });
  },
  async transcript(sessionId) {
    return (await api<CallTranscript>(`calls/${encodeURIComponent(sessionId)}/transcript`)).data;
  },
};

export type Listener = (target: string, payload: Record<string, unknown>) => void;

export class StaffLive {
  readonly store = new LiveCallsStore();
  status: HubStatus = "connecting";
  private hub: Hub | null = null;
  private watched = new Set<string>();
  private poller: ReturnType<typeof setInterval> | null = null;
  private statusListeners = new Set<(status: HubStatus) => void>();
  private messageListeners = new Set<Listener>();

  constructor(
    private readonly source: StaffApi = httpStaffApi,
    private readonly makeHub: (live: StaffLive) => Hub = (live) =>
      new Hub({
        // Negotiate through the API (practice group, token for this user), then connect to the
        // SignalR service it names; each reconnect asks the API for a fresh service token.
        url: async () => (await live.negotiate()).url,
        targets: [...TARGETS, "caller.audio"],
        accessTokenFactory: async () => (await live.negotiate()).accessToken,
        onMessage: (target, payload) => live.receive(target, payload),
        onStatus: (status) => live.setStatus(status),
        onConnected: () => void live.catchUp(true),
      }),
    private readonly pollMs = 3000,
  ) {}

  private lastNegotiate: { url: string; accessToken: string; at: number } | null = null;

  /** Connection info from `staff/negotiate` (reused for a few seconds: url then token). */
  async negotiate(): Promise<{ url: string; accessToken: string }> {
    if (this.lastNegotiate && Date.now() - this.lastNegotiate.at < 5000) return this.lastNegotiate;
    const { data } = await api<{ url: string; accessToken: string }>("staff/negotiate", { method: "POST" });
    this.lastNegotiate = { ...data, at: Date.now() };
    return data;
  }

  start(): void {
    if (this.hub) return;
    this.hub = this.makeHub(this);
    this.hub.start();
    void this.refresh();
    this.poller = setInterval(() => void this.refresh(), this.pollMs);
  }

  async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    const hub = this.hub;
    this.hub = null;
    this.watched.clear();
    if (hub) await hub.stop();
  }

  onStatus(listener: (status: HubStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Every message (the takeover view listens for caller.audio here). */
  onMessage(listener: Listener): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  receive(target: string, payload: Record<string, unknown>): void {
    if (typeof performance !== "undefined" && performance.mark) {
      performance.mark(`rt:${target}:${String(payload.session_id ?? "")}:${String(payload.turn ?? "")}:${String(payload.seq ?? "")}`);
    }
    this.store.apply(target, payload);
    this.messageListeners.forEach((listener) => listener(target, payload));
  }

  setStatus(status: HubStatus): void {
    this.status = status;
    this.statusListeners.forEach((listener) => listener(status));
  }

  /** New active calls are watched and caught up; calls no longer active are marked ended. */
  async refresh(): Promise<void> {
    let active: CallSummary[];
    try {
      active = await this.source.activeCalls();
    } catch {
      return; // offline: the next poll tries again
    }
    this.store.upsertSummaries(active);
    const ids = new Set(active.map((c) => c.session_id));
    for (const call of Object.values(this.store.snapshot.calls)) {
      if (call.status !== "ended" && !ids.has(call.session_id)) {
        this.store.upsertSummaries([{ ...summaryOf(call.session_id), status: "ended" }]);
        this.watched.delete(call.session_id);
      }
    }
    await Promise.all([...ids].filter((id) => !this.watched.has(id)).map((id) => this.watchAndCatchUp(id)));
  }

  /** After a reconnect: the transcript of every call still active fills in what was missed. */
  async catchUp(reconnect: boolean): Promise<void> {
    if (!reconnect) return;
    const active = Object.values(this.store.snapshot.calls).filter((c) => c.status !== "ended");
    await Promise.all(active.map((c) => this.watchAndCatchUp(c.session_id)));
  }

  async watchAndCatchUp(sessionId: string): Promise<void> {
    try {
      await this.source.watch(sessionId);
      this.watched.add(sessionId);
      const transcript = await this.source.transcript(sessionId);
      this.store.mergeTranscript(sessionId, transcript.lines);
    } catch {
      this.watched.delete(sessionId); // retried on the next poll
    }
  }
}

function summaryOf(sessionId: string): CallSummary {
  return {
    session_id: sessionId,
    status: null,
    channel: null,
    started_at: null,
    ended_at: null,
    end_reason: null,
    recording_consent: null,
    current_turn: null,
  };
}

let shared: StaffLive | null = null;

/** The one live feed of this tab (started after sign-in, stopped at sign-out). */
export function staffLive(): StaffLive {
  if (!shared) shared = new StaffLive();
  return shared;
}

export async function resetStaffLive(): Promise<void> {
  const current = shared;
  shared = null;
  if (current) await current.stop();
}
