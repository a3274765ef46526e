// Microphone samples → PCM16 16 kHz chunks for the voice API, and PCM16 back to float for playback.

export const TARGET_RATE = 16_000;
export const CHUNK_MS = 40;
export const CHUNK_SAMPLES = (TARGET_RATE * CHUNK_MS) / 1000; // 640 samples = 1280 bytes

/** Linear-interpolation resampler that keeps its phase across calls (a stream cut into blocks). */
export class Resampler {
  private readonly step: number;
  private position = 0; // position of the next output sample, in input samples from `last`
  private last = 0;
  private primed = false;

  constructor(
    readonly inRate: number,
    readonly outRate: number = TARGET_RATE,
  ) {
    if (inRate <= 0 || outRate <= 0) throw new Error("sample rates must be positive");
    this.step = inRate / outRate;
  }

  process(input: Float32Array): Float32Array {
    if (this.inRate === this.outRate) return input.slice();
    if (input.length === 0) return new Float32Array(0);
    // Work on [last, ...input] so interpolation crosses block boundaries.
    const source = new Float32Array(input.length + 1);
    source[0] = this.primed ? this.last : (input[0] ?? 0);
    source.set(input, 1);
    this.primed = true;
    const out: number[] = [];
    let pos = this.position;
    while (pos + 1 < source.length) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = source[i] ?? 0;
      const b = source[i + 1] ?? a;
      out.push(a + (b - a) * frac);
      pos += this.step;
    }
    this.position = pos - input.length;
    this.last = input[input.length - 1] ?? 0;
    return Float32Array.from(out);
  }
}

export function floatToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i] ?? 0));
    out[i] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
  }
  return out;
}

export function pcm16ToFloat(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = (pcm[i] ?? 0) / 0x8000;
  return out;
}

/** Little-endian bytes of PCM16 samples (what the voice API expects as octet-stream). */
export function pcm16Bytes(pcm: Int16Array): Uint8Array {
  const bytes = new Uint8Array(pcm.length * 2);
  const view = new DataView(bytes.buffer);
  pcm.forEach((s, i) => view.setInt16(i * 2, s, true));
  return bytes;
}

export function bytesToPcm16(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(Math.floor(bytes.byteLength / 2));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

export function base64ToBytes(data: string): Uint8Array {
  const raw = atob(data);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let raw = "";
  for (let i = 0; i < bytes.length; i += 0x8000) raw += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(raw);
}

/** μ-law (G.711) byte → linear sample in [-1, 1), for calls in mulaw/8000. */
export function mulawToFloat(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const u = ~(bytes[i] ?? 0) & 0xff;
    const sign = u & 0x80;
    const exponent = (u >> 4) & 0x07;
    const mantissa = u & 0x0f;
    const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    out[i] = (sign ? -magnitude : magnitude) / 32768;
  }
  return out;
}

/** Collects resampled mic audio and hands out fixed-size PCM16 chunks (CHUNK_MS each). */
export class Chunker {
  private readonly resampler: Resampler;
  private pending = new Float32Array(0);

  constructor(
    inRate: number,
    private readonly emit: (chunk: Uint8Array, level: number) => void,
    private readonly chunkSamples = CHUNK_SAMPLES,
  ) {
    this.resampler = new Resampler(inRate, TARGET_RATE);
  }

  push(block: Float32Array): void {
    const resampled = this.resampler.process(block);
    const joined = new Float32Array(this.pending.length + resampled.length);
    joined.set(this.pending);
    joined.set(resampled, this.pending.length);
    let offset = 0;
    while (joined.length - offset >= this.chunkSamples) {
      const frame = joined.subarray(offset, offset + this.chunkSamples);
      this.emit(pcm16Bytes(floatToPcm16(frame)), rms(frame));
      offset += this.chunkSamples;
    }
    this.pending = joined.slice(offset);
  }
}

export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / samples.length);
}
