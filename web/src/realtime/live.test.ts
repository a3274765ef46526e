import { describe, expect, it } from "vitest";
import type { HubConnection } from "@microsoft/signalr";
import { backoff, Hub, type HubStatus } from "./hub";
import { LiveCallsStore } from "./liveCalls";
import { StaffLive, type StaffApi } from "./staffLive";

/** Stands in for the SignalR service's side of a connection: what the official client exposes. */
class FakeConnection {
  state = "Disconnected";
  handlers = new Map<string, (payload: unknown) => void>();
  closed: Array<(e?: Error) => void> = [];
  reconnecting: Array<() => void> = [];
  reconnected: Array<() => void> = [];
  constructor(private readonly failStart = false) {}
  on(target: string, fn: (payload: unknown) => void) {
    this.handlers.set(target, fn);
  }
  onclose(fn: () => void) {
    this.closed.push(fn);
  }
  onreconnecting(fn: () => void) {
    this.reconnecting.push(fn);
  }
  onreconnected(fn: () => void) {
    this.reconnected.push(fn);
  }
  async start() {
    if (this.failStart) throw new Error("negotiate failed");
    this.state = "Connected";
  }
  async stop() {
    this.state = "Disconnected";
  }
  push(target: string, payload: unknown) {
    this.handlers.get(target)?.(payload);
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

describe("backoff", () => {
  it("retries at once, then doubles up to 15 s", () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoff(n, mid))).toEqual([0, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });
});

describe("Hub", () => {
  it("keeps restarting after failed starts and reports each (re)connection", async () => {
    const made: FakeConnection[] = [];
    const timers: Array<() => void> = [];
    const statuses: HubStatus[] = [];
    const connected: boolean[] = [];
    const hub = new Hub({
      url: async () => "http://signalr.test/client/?hub=reddytalk",
      targets: ["turn.heard"],
      onMessage: () => undefined,
      onStatus: (s) => statuses.push(s),
      onConnected: (again) => connected.push(again),
      build: () => {
        const c = new FakeConnection(made.length < 2);
        made.push(c);
        return c as unknown as HubConnection;
      },
      setTimer: (fn) => timers.push(fn),
    });
    hub.start();
    await flush();
    expect(statuses).toEqual(["connecting", "offline"]);
    timers.shift()?.();
    await flush();
    timers.shift()?.();
    await flush();
    expect(made).toHaveLength(3);
    expect(connected).toEqual([false]);
    // The connection drops for good: a new one is built, and its arrival counts as a reconnect.
    made[2]?.closed.forEach((fn) => fn());
    timers.shift()?.();
    await flush();
    expect(made).toHaveLength(4);
    expect(connected).toEqual([false, true]);
    expect(statuses.at(-1)).toBe("connected");
    await hub.stop();
  });
});

function source(lines: Array<{ turn: number; speaker: "caller" | "receptionist"; text: string }>) {
  const calls = { watch: [] as string[], transcript: [] as string[] };
  const api: StaffApi = {
    activeCalls: async () => [
      { session_id: "s1", status: "active", channel: "web", started_at: 1, ended_at: null, end_reason: null, recording_consent: true, current_turn: 1 },
    ],
    watch: async (id) => void calls.watch.push(id),
    transcript: async (id) => (calls.transcript.push(id), { session_id: id, final: false, lines }),
  };
  return { api, calls };
}

describe("StaffLive catch-up", () => {
  it("watches a new call, fills in missed lines, and merges a reconnect's catch-up without duplicates", async () => {
    const transcript = [
      { turn: 0, speaker: "receptionist" as const, text: "Thanks for calling." },
      { turn: 1, speaker: "caller" as const, text: "I need an appointment" },
    ];
    const { api, calls } = source(transcript);
    let connection: FakeConnection | null = null;
    let hub: Hub | null = null;
    const live = new StaffLive(api, (me) => {
      hub = new Hub({
        url: "http://signalr.test",
        targets: ["turn.heard", "turn.text", "turn.done"],
        onMessage: (t, p) => me.receive(t, p),
        onConnected: (again) => void me.catchUp(again),
        build: () => (connection = new FakeConnection()) as unknown as HubConnection,
      });
      return hub;
    }, 60_000);
    live.start();
    await flush();
    expect(calls.watch).toEqual(["s1"]);
    let call = live.store.snapshot.calls.s1;
    expect(call?.lines.map((l) => l.text)).toEqual(["Thanks for calling.", "I need an appointment"]);

    // Live messages: the reply arrives sentence by sentence; a retried turn repeats one.
    connection!.push("turn.text", { session_id: "s1", turn: 1, seq: 0, text: "Sure." });
    connection!.push("turn.text", { session_id: "s1", turn: 1, seq: 1, text: "Your name?" });
    connection!.push("turn.text", { session_id: "s1", turn: 1, seq: 1, text: "Your name?" });
    connection!.push("turn.done", { session_id: "s1", turn: 1, reply: "Sure. Your name?", flags: {}, tool_calls: [], timings_ms: { first_audio_ms: 600 } });
    call = live.store.snapshot.calls.s1;
    expect(call?.lines.map((l) => l.text)).toEqual(["Thanks for calling.", "I need an appointment", "Sure.", "Your name?"]);
    expect(call?.turns[1]?.timings?.first_audio_ms).toBe(600);

    // SignalR drops and comes back: the transcript now holds turn 2, missed while away.
    transcript.push({ turn: 1, speaker: "receptionist", text: "Sure. Your name?" }, { turn: 2, speaker: "caller", text: "Maria Gonzalez" });
    connection!.reconnected.forEach((fn) => fn());
    await flush();
    call = live.store.snapshot.calls.s1;
    expect(call?.lines.map((l) => l.text)).toEqual(["Thanks for calling.", "I need an appointment", "Sure.", "Your name?", "Maria Gonzalez"]);
    expect(calls.transcript).toEqual(["s1", "s1"]);
    await live.stop();
  });
});

describe("LiveCallsStore alerts", () => {
  it("keeps one alert per call, turn and kind until acknowledged", () => {
    const store = new LiveCallsStore();
    store.apply("session.alert", { session_id: "s1", turn: 3, kind: "emergency" });
    store.apply("session.alert", { session_id: "s1", turn: 3, kind: "emergency" });
    expect(store.snapshot.alerts).toHaveLength(1);
    expect(store.snapshot.calls.s1?.flags.emergency).toBe(true);
    store.acknowledge(store.snapshot.alerts[0]!.id);
    expect(store.snapshot.alerts.filter((a) => !a.acknowledged)).toHaveLength(0);
  });

  it("bumps the data version when a turn used tools (the day view reloads)", () => {
    const store = new LiveCallsStore();
    store.apply("turn.done", { session_id: "s1", turn: 4, reply: "Booked.", tool_calls: [{ name: "book_appointment" }] });
    expect(store.snapshot.dataVersion).toBe(1);
  });
});
