// A SignalR connection that never gives up: the official client's automatic reconnect with a
// back-off that keeps trying, a restart loop when a connection closes for good (or never opened),
// and a callback each time it is (re)connected so the page can catch up on what it missed.

import {
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
  type HubConnection,
  type IHttpConnectionOptions,
} from "@microsoft/signalr";

export type HubStatus = "connecting" | "connected" | "reconnecting" | "offline";

/** Milliseconds before retry `attempt` (0-based): 0, 1, 2, 4, 8 s, then 15 s, with ±20 % jitter. */
export function backoff(attempt: number, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const base = Math.min(15_000, 1000 * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export interface HubOptions {
  /** The hub URL, or a function that finds it (e.g. from a negotiate call) before each connection. */
  url: string | (() => Promise<string>);
  targets: readonly string[];
  onMessage: (target: string, payload: Record<string, unknown>) => void;
  onStatus?: (status: HubStatus) => void;
  /** After every successful (re)connection, including the first. */
  onConnected?: (reconnect: boolean) => void;
  accessTokenFactory?: () => Promise<string>;
  headers?: Record<string, string>;
  /** Tests pass a builder of a stand-in connection. */
  build?: (url: string, options: IHttpConnectionOptions) => HubConnection;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

function defaultBuild(url: string, options: IHttpConnectionOptions): HubConnection {
  return new HubConnectionBuilder()
    .withUrl(url, options)
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => backoff(ctx.previousRetryCount + 1) })
    .configureLogging(LogLevel.None)
    .build();
}

export class Hub {
  private connection: HubConnection | null = null;
  private stopped = false;
  private attempts = 0;
  private everConnected = false;

  constructor(private readonly options: HubOptions) {}

  get status(): HubStatus {
    const state = this.connection?.state;
    if (state === HubConnectionState.Connected) return "connected";
    if (state === HubConnectionState.Reconnecting) return "reconnecting";
    return "connecting";
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  private async connect(): Promise<void> {
    this.options.onStatus?.(this.everConnected ? "reconnecting" : "connecting");
    let url: string;
    try {
      url = typeof this.options.url === "string" ? this.options.url : await this.options.url();
    } catch {
      if (!this.stopped) this.retry(null);
      return;
    }
    if (this.stopped) return;
    const options: IHttpConnectionOptions = {};
    if (this.options.accessTokenFactory) options.accessTokenFactory = this.options.accessTokenFactory;
    if (this.options.headers) options.headers = this.options.headers;
    const connection = (this.options.build ?? defaultBuild)(url, options);
    this.connection = connection;
    for (const target of this.options.targets) {
      connection.on(target, (payload: Record<string, unknown>) => this.options.onMessage(target, payload ?? {}));
    }
    connection.onreconnecting(() => this.options.onStatus?.("reconnecting"));
    connection.onreconnected(() => this.connected());
    connection.onclose(() => {
      if (!this.stopped && this.connection === connection) this.retry(connection);
    });
    await this.open(connection);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const connection = this.connection;
    this.connection = null;
    if (connection) await connection.stop();
  }

  private async open(connection: HubConnection): Promise<void> {
    try {
      await connection.start();
    } catch {
      if (!this.stopped && this.connection === connection) this.retry(connection);
      return;
    }
    if (this.stopped) {
      await connection.stop();
      return;
    }
    this.connected();
  }

  private connected(): void {
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.attempts = 0;
    this.options.onStatus?.("connected");
    this.options.onConnected?.(reconnect);
  }

  private retry(failed: HubConnection | null): void {
    this.options.onStatus?.("offline");
    this.connection = null;
    if (failed) void failed.stop().catch(() => undefined);
    this.attempts += 1;
    const delay = backoff(this.attempts);
    const timer = this.options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    timer(() => {
      if (!this.stopped && !this.connection) void this.connect();
    }, delay);
  }
}
