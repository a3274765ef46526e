import { describe, expect, it } from "vitest";
import { ChunkUploader, type UploadStatus } from "./uploader";

const ok = () => new Response("{}", { status: 200 });
const flush = () => new Promise((r) => setTimeout(r, 0));

describe("ChunkUploader", () => {
  it("numbers chunks in order and posts each once", async () => {
    const posted: number[] = [];
    const up = new ChunkUploader({ post: async (seq) => (posted.push(seq), ok()) });
    for (let i = 0; i < 10; i++) up.push(new Uint8Array(4));
    for (let i = 0; i < 10; i++) await flush();
    expect(posted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("retries a failed post with the same sequence number, then carries on", async () => {
    const posted: number[] = [];
    const statuses: UploadStatus[] = [];
    let down = true;
    const up = new ChunkUploader({
      post: async (seq) => {
        posted.push(seq);
        if (down && seq === 1) throw new TypeError("Failed to fetch");
        return ok();
      },
      onStatus: (s) => statuses.push(s),
      sleep: async () => {
        down = false;
      },
      maxInFlight: 1,
    });
    up.push(new Uint8Array(2));
    up.push(new Uint8Array(2));
    up.push(new Uint8Array(2));
    for (let i = 0; i < 20; i++) await flush();
    expect(posted).toEqual([0, 1, 1, 2]);
    expect([...up.sent].sort()).toEqual([0, 1, 2]);
    expect(statuses).toEqual(["retrying", "ok"]);
  });

  it("stops on 409 (the call ended) and drops the oldest unsent chunks past the cap without gaps", async () => {
    const statuses: UploadStatus[] = [];
    const ended = new ChunkUploader({ post: async () => new Response("{}", { status: 409 }), onStatus: (s) => statuses.push(s) });
    ended.push(new Uint8Array(2));
    await flush();
    expect(statuses).toEqual(["ended"]);

    const posted: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const capped = new ChunkUploader({ post: async (seq) => (await gate, posted.push(seq), ok()), maxInFlight: 1, maxQueued: 3 });
    for (let i = 0; i < 8; i++) capped.push(new Uint8Array(2));
    expect(capped.dropped).toBe(4);
    release();
    for (let i = 0; i < 20; i++) await flush();
    expect(posted).toEqual([0, 1, 2, 3]); // numbered as sent: no hole for the server to wait on
  });
});
