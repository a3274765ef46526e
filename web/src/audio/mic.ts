// Microphone capture through an AudioWorklet; errors become the plain reasons the page explains.

export type MicProblem = "denied" | "no-device" | "unsupported" | "busy";

export class MicError extends Error {
  constructor(readonly problem: MicProblem, message: string) {
    super(message);
  }
}

export interface Mic {
  context: AudioContext;
  stop(): void;
  setMuted(muted: boolean): void;
}

export function micProblem(error: unknown): MicProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return "no-device";
  if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") return "busy";
  return "unsupported";
}

function newContext(): AudioContext {
  try {
    return new AudioContext({ sampleRate: 16_000, latencyHint: "interactive" });
  } catch {
    return new AudioContext({ latencyHint: "interactive" }); // the browser resamples; Chunker too
  }
}

/** Opens the mic and calls `onBlock(samples, sampleRate)` about every 20 ms. */
export async function openMic(onBlock: (samples: Float32Array, rate: number) => void): Promise<Mic> {
  if (!navigator.mediaDevices?.getUserMedia || typeof AudioWorkletNode === "undefined") {
    throw new MicError("unsupported", "This browser cannot record audio here (a secure https page is needed).");
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (error) {
    throw new MicError(micProblem(error), error instanceof Error ? error.message : String(error));
  }
  const context = newContext();
  try {
    await context.audioWorklet.addModule("/mic-worklet.js");
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, "mic-forwarder", { numberOfInputs: 1, numberOfOutputs: 1 });
    const mute = context.createGain();
    mute.gain.value = 0; // keeps the worklet pulled by the graph without playing the mic back
    source.connect(node).connect(mute).connect(context.destination);
    let muted = false;
    node.port.onmessage = (event: MessageEvent<Float32Array>) => {
      onBlock(muted ? new Float32Array(event.data.length) : event.data, context.sampleRate);
    };
    if (context.state === "suspended") await context.resume();
    return {
      context,
      setMuted: (value) => {
        muted = value;
      },
      stop: () => {
        node.port.onmessage = null;
        source.disconnect();
        node.disconnect();
        stream.getTracks().forEach((t) => t.stop());
        void context.close();
      },
    };
  } catch (error) {
    stream.getTracks().forEach((t) => t.stop());
    void context.close();
    throw new MicError("unsupported", error instanceof Error ? error.message : String(error));
  }
}
