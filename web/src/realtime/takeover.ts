// A staff member taking over a live call (CONTRACTS.md, "Human takeover"): the caller's audio
// arrives as `caller.audio` on the staff member's SignalR connection and plays through a jitter
// buffer; the staff mic goes to `staff-audio` in numbered chunks; "hand back" returns the call.

import { accessToken, api } from "../api/client";
import { ContextSink, JitterBuffer } from "../audio/jitter";
import { openMic, type Mic } from "../audio/mic";
import { Chunker } from "../audio/pcm";
import { ChunkUploader, type UploadStatus } from "../audio/uploader";
import { staffLive } from "./staffLive";

interface TakeoverOut {
  session_id: string;
  staff_token: string;
  urls: { audio: string; handback: string };
}

function path(urlOrPath: string): string {
  // The API returns absolute URLs; requests go to the same origin under /api.
  const parsed = new URL(urlOrPath, window.location.origin);
  return parsed.pathname.replace(/^\/api\//, "") + parsed.search;
}

export class Takeover {
  private mic: Mic | null = null;
  private uploader: ChunkUploader | null = null;
  private jitter: JitterBuffer | null = null;
  private unlisten: (() => void) | null = null;
  private info: TakeoverOut | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  heardChunks = 0;

  constructor(
    readonly sessionId: string,
    private readonly onUpload: (status: UploadStatus) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    const { data } = await api<TakeoverOut>(`calls/${encodeURIComponent(this.sessionId)}/takeover`, { method: "POST" });
    this.info = data;
    try {
      let chunker: Chunker | null = null;
      this.mic = await openMic((block, rate) => {
        chunker ??= new Chunker(rate, (chunk) => this.uploader?.push(chunk));
        chunker.push(block);
      });
    } catch (error) {
      await this.handBack();
      throw error;
    }
    this.jitter = new JitterBuffer(new ContextSink(this.mic.context));
    this.ticker = setInterval(() => this.jitter?.tick(), 100);
    const audioPath = path(data.urls.audio);
    this.uploader = new ChunkUploader({
      post: async (seq, chunk) =>
        fetch(`/api/${audioPath}${audioPath.includes("?") ? "&" : "?"}seq=${seq}`, {
          method: "POST",
          headers: {
            "Content-Type": "application/octet-stream",
            "X-Staff-Token": data.staff_token,
            Authorization: `Bearer ${await accessToken()}`,
          },
          body: chunk as BodyInit,
        }),
      onStatus: this.onUpload,
    });
    this.unlisten = staffLive().onMessage((target, payload) => {
      if (target !== "caller.audio" || payload.session_id !== this.sessionId) return;
      this.heardChunks += 1;
      this.jitter?.push({
        turn: 0,
        seq: Number(payload.seq ?? 0),
        chunk: 0,
        last: true,
        format: String(payload.format ?? "pcm16/16000"),
        data: String(payload.data ?? ""),
        speaker: "caller",
      });
    });
  }

  async handBack(): Promise<void> {
    this.unlisten?.();
    this.unlisten = null;
    if (this.ticker) clearInterval(this.ticker);
    this.uploader?.close();
    this.jitter?.stop();
    this.mic?.stop();
    this.mic = null;
    if (this.info) {
      const target = path(this.info.urls.handback);
      this.info = null;
      await api(target, { method: "POST" });
    }
  }
}
