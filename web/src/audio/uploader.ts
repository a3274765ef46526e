// Posts mic chunks to the voice API in order: each chunk gets its sequence number when it is first
// sent, a failed post is retried with the same number (the server acknowledges repeats as
// duplicates, so nothing counts twice), a few posts may be in flight, and while the network is
// down chunks wait (oldest dropped past a cap, before they are numbered, so no gap is created).

export type UploadStatus = "ok" | "retrying" | "ended" | "rejected";

export interface UploaderOptions {
  post: (seq: number, chunk: Uint8Array) => Promise<Response>;
  onStatus?: (status: UploadStatus, detail?: string) => void;
  maxInFlight?: number;
  maxQueued?: number;
  sleep?: (ms: number) => Promise<void>;
  backoff?: (attempt: number) => number;
}

export class ChunkUploader {
  private queue: Uint8Array[] = [];
  private nextSeq = 0;
  private inFlight = 0;
  private closed = false;
  private retrying = 0;
  readonly sent = new Set<number>();
  dropped = 0;

  constructor(private readonly options: UploaderOptions) {}

  get seq(): number {
    return this.nextSeq;
  }

  push(chunk: Uint8Array): void {
    if (this.closed) return;
    this.queue.push(chunk);
    const cap = this.options.maxQueued ?? 250; // 10 s of 40 ms chunks
    while (this.queue.length > cap) {
      this.queue.shift();
      this.dropped += 1;
    }
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private pump(): void {
    const limit = this.retrying > 0 ? 1 : (this.options.maxInFlight ?? 4);
    while (!this.closed && this.inFlight < limit && this.queue.length > 0) {
      const chunk = this.queue.shift() as Uint8Array;
      const seq = this.nextSeq++;
      this.inFlight += 1;
      void this.send(seq, chunk).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async send(seq: number, chunk: Uint8Array): Promise<void> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const backoff = this.options.backoff ?? ((n: number) => Math.min(8000, 250 * 2 ** n));
    for (let attempt = 0; !this.closed; attempt++) {
      let res: Response | null = null;
      try {
        res = await this.options.post(seq, chunk);
      } catch {
        res = null; // network: retry the same seq
      }
      if (res && res.ok) {
        this.sent.add(seq);
        if (attempt > 0) {
          this.retrying -= 1;
          if (this.retrying === 0) this.options.onStatus?.("ok");
        }
        return;
      }
      if (res && res.status === 409) {
        this.closed = true;
        this.options.onStatus?.("ended");
        return;
      }
      if (res && res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) {
        this.options.onStatus?.("rejected", `${res.status}`);
        return; // a chunk the server refuses will not get better by resending
      }
      if (attempt === 0) {
        this.retrying += 1;
        this.options.onStatus?.("retrying");
      }
      await sleep(backoff(attempt));
    }
  }
}
