import { describe, expect, it } from "vitest";
import { bytesToPcm16, CHUNK_SAMPLES, Chunker, floatToPcm16, Resampler } from "./pcm";

describe("Chunker", () => {
  it("turns 48 kHz mic blocks into 40 ms PCM16 chunks at 16 kHz, carrying the remainder", () => {
    const chunks: Uint8Array[] = [];
    const chunker = new Chunker(48_000, (c) => chunks.push(c));
    const block = new Float32Array(960).fill(0.5); // 20 ms at 48 kHz
    for (let i = 0; i < 5; i++) chunker.push(block); // 100 ms in
    expect(chunks).toHaveLength(2); // 80 ms out, 20 ms waiting
    for (const c of chunks) expect(c.byteLength).toBe(CHUNK_SAMPLES * 2);
    chunker.push(block);
    expect(chunks).toHaveLength(3);
    const samples = bytesToPcm16(chunks[2] as Uint8Array);
    expect(samples.every((s) => Math.abs(s - 16_384) <= 1)).toBe(true);
  });

  it("passes 16 kHz audio through sample for sample", () => {
    const chunks: Uint8Array[] = [];
    const chunker = new Chunker(16_000, (c) => chunks.push(c));
    const ramp = Float32Array.from({ length: CHUNK_SAMPLES }, (_, i) => i / CHUNK_SAMPLES - 0.5);
    chunker.push(ramp);
    expect(Array.from(bytesToPcm16(chunks[0] as Uint8Array))).toEqual(Array.from(floatToPcm16(ramp)));
  });
});

describe("Resampler", () => {
  it("keeps a sine's frequency across block boundaries", () => {
    const resampler = new Resampler(44_100, 16_000);
    const input = Float32Array.from({ length: 44_100 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 44_100));
    const out: number[] = [];
    for (let i = 0; i < input.length; i += 128) out.push(...resampler.process(input.subarray(i, i + 128)));
    expect(Math.abs(out.length - 16_000)).toBeLessThanOrEqual(2);
    let crossings = 0;
    for (let i = 1; i < out.length; i++) if ((out[i - 1] as number) < 0 && (out[i] as number) >= 0) crossings++;
    expect(Math.abs(crossings - 440)).toBeLessThanOrEqual(1);
  });

  it("clips out-of-range samples instead of wrapping", () => {
    expect(Array.from(floatToPcm16(Float32Array.from([1.5, -1.5, 0])))).toEqual([32767, -32768, 0]);
  });
});
