// One web call, without React: start the session, stream the mic, play replies through the jitter
// buffer, keep captions, stop playback on barge-in, survive network and SignalR drops (reconnect
// with back-off, captions caught up from the session state), and hang up.

import { Hub, type HubStatus } from "../realtime/hub";
import { LiveCallsStore } from "../realtime/liveCalls";
import { ContextSink, JitterBuffer, type AudioMessage } from "../audio/jitter";
import { Chunker } from "../audio/pcm";
import { openMic, type Mic } from "../audio/mic";
import { ChunkUploader, type UploadStatus } from "../audio/uploader";

export interface Started {
  session_id: string;
  session_token: string;
}

export type CallPhase = "idle" | "starting" | "live" | "ended" | "failed";

export interface CallView {
  phase: CallPhase;
  hub: HubStatus;
  upload: UploadStatus;
  problem: string | null;
  speaking: boolean; // the receptionist's audio is playing
  endReason: string | null;
  staffJoined: boolean; // a staff member took the call over (CONTRACTS.md)
  staffChunks: number; // staff voice chunks received
  staffSeconds: number; // seconds of staff voice handed to the speaker for playback
}

const CALLER_TARGETS = ["turn.heard", "turn.text", "turn.audio", "turn.done", "session.ended", "session.alert", "call.taken_over", "call.handed_back"] as const;
// Local barge-in: this much mic energy for this many chunks while a reply plays.
const BARGE_LEVEL = 0.05;
const BARGE_CHUNKS = 5;

export class CallerSession {
  readonly captions = new LiveCallsStore();
  view: CallView = { phase: "idle", hub: "connecting", upload: "ok", problem: null, speaking: false, endReason: null, staffJoined: false, staffChunks: 0, staffSeconds: 0 };
  sessionId: string | null = null;
  private token = "";
  private mic: Mic | null = null;
  private hub: Hub | null = null;
  private uploader: ChunkUploader | null = null;
  private jitter: JitterBuffer | null = null;
  private loud = 0;
  private lastTurn = 0;
  private listeners = new Set<() => void>();
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly practiceId: string) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getView = (): CallView => this.view;

  async start(consent: boolean): Promise<void> {
    this.update({ phase: "starting", problem: null });
    let chunker: Chunker | null = null;
    try {
      this.mic = await openMic((block, rate) => {
        chunker ??= new Chunker(rate, (chunk, level) => this.onChunk(chunk, level));
        chunker.push(block);
      });
    } catch (error) {
      this.update({ phase: "failed", problem: micMessage(error) });
      return;
    }
    this.jitter = new JitterBuffer(new ContextSink(this.mic.context));
    this.ticker = setInterval(() => {
      this.jitter?.tick();
      const speaking = this.jitter?.playing ?? false;
      if (speaking !== this.view.speaking) this.update({ speaking });
    }, 100);
    let started: Started;
    try {
      const res = await fetch("/api/voice/sessions", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ practice_id: this.practiceId, channel: "web", audio_format: "pcm16/16000", recording_consent: consent }),
      });
      if (!res.ok) throw new Error(res.status === 404 ? "This practice was not found." : `The call could not start (${res.status}).`);
      started = (await res.json()) as Started;
    } catch (error) {
      this.teardown();
      const offline = error instanceof TypeError;
      this.update({ phase: "failed", problem: offline ? "No connection to the practice. Check your network and try again." : String((error as Error).message) });
      return;
    }
    this.sessionId = started.session_id;
    this.token = started.session_token;
    this.uploader = new ChunkUploader({
      post: (seq, chunk) =>
        fetch(`/api/voice/sessions/${encodeURIComponent(started.session_id)}/audio?seq=${seq}`, {
          method: "POST",
          headers: { "Content-Type": "application/octet-stream", "X-Session-Token": this.token },
          body: chunk as BodyInit,
        }),
      onStatus: (upload) => {
        this.update({ upload });
        if (upload === "ended") this.finish("ended");
      },
    });
    this.hub = new Hub({
      url: `${window.location.origin}/api?session_id=${encodeURIComponent(started.session_id)}`,
      headers: { "X-Session-Token": this.token },
      targets: CALLER_TARGETS,
      onMessage: (target, payload) => this.onMessage(target, payload),
      onStatus: (hub) => this.update({ hub }),
      onConnected: (reconnect) => {
        if (reconnect) void this.catchUp();
      },
    });
    this.hub.start();
    this.update({ phase: "live" });
  }

  setMuted(muted: boolean): void {
    this.mic?.setMuted(muted);
  }

  async hangUp(): Promise<void> {
    const id = this.sessionId;
    this.finish("hangup");
    if (id) {
      await fetch(`/api/voice/sessions/${encodeURIComponent(id)}/end`, { method: "POST", headers: { "X-Session-Token": this.token } }).catch(() => undefined);
    }
  }

  /** Captions missed while SignalR was away, from the session's recent turns. */
  async catchUp(): Promise<void> {
    if (!this.sessionId) return;
    try {
      const res = await fetch(`/api/voice/sessions/${encodeURIComponent(this.sessionId)}`, { headers: { "X-Session-Token": this.token } });
      if (!res.ok) return;
      const body = (await res.json()) as { state?: { recent?: Array<{ turn: number; caller: string; reply: string }> } | null; session?: { status?: string } };
      const lines = (body.state?.recent ?? []).flatMap((t) => [
        ...(t.caller ? [{ turn: t.turn, speaker: "caller" as const, text: t.caller }] : []),
        ...(t.reply ? [{ turn: t.turn, speaker: "receptionist" as const, text: t.reply }] : []),
      ]);
      this.captions.mergeTranscript(this.sessionId, lines);
      if (body.session?.status === "ended") this.finish("ended");
    } catch {
      /* still offline: the next reconnect tries again */
    }
  }

  onMessage(target: string, payload: Record<string, unknown>): void {
    const turn = typeof payload.turn === "number" ? payload.turn : 0;
    if (target === "turn.audio") {
      this.jitter?.push(payload as unknown as AudioMessage);
      if (payload.speaker === "staff") {
        this.update({ staffChunks: this.view.staffChunks + 1, staffSeconds: this.jitter?.secondsScheduled("staff") ?? 0 });
      }
      return;
    }
    if (target === "call.taken_over") this.update({ staffJoined: true });
    if (target === "call.handed_back") this.update({ staffJoined: false });
    if (target === "turn.heard" && payload.speaker !== "staff" && turn > this.lastTurn) {
      this.jitter?.stop(turn - 1); // the caller started a new turn: older replies are stale
      this.lastTurn = turn;
    }
    if (target === "turn.done" && payload.interrupted === true) this.jitter?.stop(turn);
    this.captions.apply(target, payload);
    if (target === "session.ended") this.finish(String(payload.reason ?? "ended"));
  }

  private onChunk(chunk: Uint8Array, level: number): void {
    this.uploader?.push(chunk);
    if (!this.jitter?.playing) {
      this.loud = 0;
      return;
    }
    this.loud = level > BARGE_LEVEL ? this.loud + 1 : 0;
    if (this.loud >= BARGE_CHUNKS && this.sessionId) {
      this.loud = 0;
      this.jitter.stop(); // barge-in: silence at once, then tell the server
      void fetch(`/api/voice/sessions/${encodeURIComponent(this.sessionId)}/interrupt`, { method: "POST", headers: { "X-Session-Token": this.token } }).catch(() => undefined);
    }
  }

  private finish(reason: string): void {
    if (this.view.phase === "ended") return;
    this.teardown();
    this.update({ phase: "ended", endReason: reason, speaking: false });
  }

  private teardown(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.uploader?.close();
    this.jitter?.stop();
    this.mic?.stop();
    this.mic = null;
    void this.hub?.stop();
    this.hub = null;
  }

  private update(change: Partial<CallView>): void {
    this.view = { ...this.view, ...change };
    this.listeners.forEach((listener) => listener());
  }
}

export function micMessage(error: unknown): string {
  const problem = (error as { problem?: string }).problem;
  switch (problem) {
    case "denied":
      return "Microphone access was blocked. Allow the microphone for this site in your browser's address bar, then press Start call again.";
    case "no-device":
      return "No microphone was found. Connect a microphone or headset and try again.";
    case "busy":
      return "The microphone is in use by another app. Close it and try again.";
    default:
      return "This browser cannot record audio here. Try a current Chrome, Edge, Firefox or Safari.";
  }
}
