import { describe, expect, it } from "vitest";
import { JitterBuffer, type AudioMessage, type AudioSink } from "./jitter";
import { bytesToBase64, floatToPcm16, pcm16Bytes } from "./pcm";

class FakeClock implements AudioSink {
  time = 0;
  played: Array<{ at: number; samples: number; tag: number; stopped: boolean }> = [];
  now(): number {
    return this.time;
  }
  play(samples: Float32Array, rate: number, at: number) {
    const entry = { at, samples: samples.length, tag: Math.round((samples[0] ?? 0) * 1000), stopped: false };
    expect(rate).toBe(16_000);
    this.played.push(entry);
    return { stop: () => void (entry.stopped = true) };
  }
}

// 100 ms of a constant level whose value tags the chunk (tag / 1000).
function chunk(turn: number, seq: number, n: number, last = false, tag = seq * 10 + n + 1): AudioMessage {
  const pcm = floatToPcm16(new Float32Array(1600).fill(tag / 1000));
  return { turn, seq, chunk: n, format: "pcm16/16000", data: bytesToBase64(pcm16Bytes(pcm)), last };
}

describe("JitterBuffer", () => {
  it("schedules chunks back to back a little ahead of the clock", () => {
    const clock = new FakeClock();
    const buffer = new JitterBuffer(clock, 0.08);
    buffer.push(chunk(1, 0, 0));
    buffer.push(chunk(1, 0, 1, true));
    buffer.push(chunk(1, 1, 0, true));
    expect(clock.played.map((p) => p.at)).toEqual([0.08, 0.18, 0.28].map((t) => expect.closeTo(t, 6)));
    expect(buffer.buffered).toBeCloseTo(0.38);
  });

  it("counts the seconds handed to the sink per speaker", () => {
    const clock = new FakeClock();
    const buffer = new JitterBuffer(clock);
    buffer.push(chunk(1, 0, 0, true));
    buffer.push({ ...chunk(0, 0, 0, true), speaker: "staff" });
    buffer.push({ ...chunk(0, 0, 0, true), speaker: "staff" }); // a duplicate plays once
    buffer.push({ ...chunk(0, 1, 0, true), speaker: "staff" });
    expect(buffer.secondsScheduled("receptionist")).toBeCloseTo(0.1);
    expect(buffer.secondsScheduled("staff")).toBeCloseTo(0.2);
    expect(buffer.secondsScheduled("caller")).toBe(0);
  });

  it("drops duplicates and puts late chunks back in order", () => {
    const clock = new FakeClock();
    const buffer = new JitterBuffer(clock);
    buffer.push(chunk(1, 0, 0));
    buffer.push(chunk(1, 0, 2, true)); // early: waits for chunk 1
    buffer.push(chunk(1, 0, 0)); // a retried turn resends: ignored
    expect(clock.played.map((p) => p.tag)).toEqual([1]);
    buffer.push(chunk(1, 0, 1));
    expect(clock.played.map((p) => p.tag)).toEqual([1, 2, 3]);
  });

  it("gives up on a missing chunk after the gap time", () => {
    const clock = new FakeClock();
    const buffer = new JitterBuffer(clock, 0.08, 0.3);
    buffer.push(chunk(1, 0, 0));
    buffer.push(chunk(1, 0, 2, true));
    clock.time = 0.2;
    buffer.tick();
    expect(clock.played).toHaveLength(1);
    clock.time = 0.35;
    buffer.tick();
    expect(clock.played.map((p) => p.tag)).toEqual([1, 3]);
  });

  it("stops at once on barge-in and ignores the rest of that turn", () => {
    const clock = new FakeClock();
    const buffer = new JitterBuffer(clock);
    buffer.push(chunk(2, 0, 0));
    buffer.push(chunk(2, 0, 1));
    expect(buffer.playing).toBe(true);
    buffer.stop();
    expect(clock.played.every((p) => p.stopped)).toBe(true);
    expect(buffer.playing).toBe(false);
    buffer.push(chunk(2, 0, 2, true));
    expect(clock.played).toHaveLength(2);
    buffer.push(chunk(3, 0, 0, true)); // the next turn plays
    expect(clock.played).toHaveLength(3);
  });

  it("restarts the lead after an underrun instead of scheduling in the past", () => {
    const clock = new FakeClock();
    const buffer = new JitterBuffer(clock, 0.08);
    buffer.push(chunk(1, 0, 0));
    clock.time = 1.0;
    buffer.push(chunk(1, 0, 1, true));
    expect(clock.played[1]?.at).toBeCloseTo(1.08);
  });
});
