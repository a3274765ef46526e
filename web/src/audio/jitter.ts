// A small jitter buffer for `turn.audio`: drops duplicates (a retried turn resends chunks), puts
// chunks back in order, schedules them back to back a little ahead of the clock so network jitter
// does not cut the voice, and stops everything at once on barge-in.

import { base64ToBytes, bytesToPcm16, mulawToFloat, pcm16ToFloat } from "./pcm";

export interface AudioMessage {
  turn: number;
  seq: number;
  chunk: number;
  format: string;
  data: string;
  last: boolean;
  speaker?: string;
}

export interface Playing {
  stop(): void;
}

/** Where samples go: an AudioContext in the page, a recorder in tests. Times in seconds. */
export interface AudioSink {
  now(): number;
  play(samples: Float32Array, rate: number, at: number): Playing;
}

export function decode(message: Pick<AudioMessage, "format" | "data">): { samples: Float32Array; rate: number } {
  const bytes = base64ToBytes(message.data);
  if (message.format.startsWith("mulaw")) return { samples: mulawToFloat(bytes), rate: 8000 };
  const rate = Number(message.format.split("/")[1] ?? "16000") || 16000;
  return { samples: pcm16ToFloat(bytesToPcm16(bytes)), rate };
}

interface Stream {
  next: number | null; // order key expected next
  pending: Map<number, AudioMessage>;
  waitingSince: number | null;
}

const key = (m: Pick<AudioMessage, "seq" | "chunk">) => m.seq * 100_000 + m.chunk;

export class JitterBuffer {
  private seen = new Set<string>();
  private streams = new Map<string, Stream>();
  private scheduled: Array<{ playing: Playing; end: number }> = [];
  private playhead = 0;
  /** Turns at or below this are silenced (barge-in): late chunks of them are dropped. */
  private cutTurn = -1;
  /** Seconds of audio handed to the sink so far, per speaker ("receptionist", "staff"). */
  private scheduledSeconds = new Map<string, number>();

  constructor(
    private readonly sink: AudioSink,
    private readonly leadSeconds = 0.08,
    private readonly gapSeconds = 0.3,
  ) {}

  get playing(): boolean {
    const now = this.sink.now();
    return this.scheduled.some((s) => s.end > now);
  }

  /** Seconds of `speaker`'s audio handed to the sink for playback so far (the page shows it). */
  secondsScheduled(speaker: string): number {
    return this.scheduledSeconds.get(speaker) ?? 0;
  }

  /** Seconds of audio scheduled ahead of the clock. */
  get buffered(): number {
    return Math.max(0, this.playhead - this.sink.now());
  }

  push(message: AudioMessage): void {
    const speaker = message.speaker ?? "receptionist";
    const id = `${speaker}:${message.turn}:${message.seq}:${message.chunk}`;
    if (this.seen.has(id) || (speaker !== "staff" && message.turn <= this.cutTurn)) return;
    this.seen.add(id);
    const streamId = `${speaker}:${message.turn}`;
    let stream = this.streams.get(streamId);
    if (!stream) {
      stream = { next: message.chunk === 0 ? key(message) : null, pending: new Map(), waitingSince: null };
      this.streams.set(streamId, stream);
    }
    stream.pending.set(key(message), message);
    this.drain(stream);
  }

  /** Barge-in: silence now, and ignore the rest of every turn up to `turn`. */
  stop(turn?: number): void {
    for (const s of this.scheduled) s.playing.stop();
    this.scheduled = [];
    this.playhead = 0;
    const highest = Math.max(-1, ...[...this.streams.keys()].map((k) => Number(k.split(":")[1])));
    this.cutTurn = Math.max(this.cutTurn, turn ?? highest);
    for (const [id, stream] of this.streams) {
      if (!id.startsWith("staff:")) stream.pending.clear();
    }
  }

  /** Call now and then (e.g. on a timer): releases a stream stuck on a chunk that never came. */
  tick(): void {
    for (const stream of this.streams.values()) this.drain(stream);
  }

  private drain(stream: Stream): void {
    const now = this.sink.now();
    for (;;) {
      if (stream.pending.size === 0) {
        stream.waitingSince = null;
        return;
      }
      const lowest = Math.min(...stream.pending.keys());
      if (stream.next === null) stream.next = lowest;
      let message = stream.pending.get(stream.next);
      if (!message) {
        if (lowest < stream.next) {
          stream.pending.delete(lowest); // older than what has played: a late duplicate
          continue;
        }
        stream.waitingSince ??= now;
        if (now - stream.waitingSince < this.gapSeconds) return;
        stream.next = lowest; // give up on the gap
        message = stream.pending.get(lowest) as AudioMessage;
      }
      stream.pending.delete(stream.next);
      stream.waitingSince = null;
      stream.next = message.last ? (message.seq + 1) * 100_000 : key(message) + 1;
      this.schedule(message);
    }
  }

  private schedule(message: AudioMessage): void {
    const { samples, rate } = decode(message);
    if (samples.length === 0) return;
    const now = this.sink.now();
    const at = this.playhead < now + 0.005 ? now + this.leadSeconds : this.playhead;
    const playing = this.sink.play(samples, rate, at);
    const end = at + samples.length / rate;
    const speaker = message.speaker ?? "receptionist";
    this.scheduledSeconds.set(speaker, this.secondsScheduled(speaker) + samples.length / rate);
    this.playhead = end;
    this.scheduled = [...this.scheduled.filter((s) => s.end > now), { playing, end }];
  }
}

/** The page's sink: one AudioBufferSourceNode per chunk on a shared AudioContext. */
export class ContextSink implements AudioSink {
  constructor(private readonly context: AudioContext) {}

  now(): number {
    return this.context.currentTime;
  }

  play(samples: Float32Array, rate: number, at: number): Playing {
    const buffer = this.context.createBuffer(1, samples.length, rate);
    buffer.getChannelData(0).set(samples);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    source.start(at);
    return {
      stop: () => {
        try {
          source.stop();
        } catch {
          /* already ended */
        }
        source.disconnect();
      },
    };
  }
}
