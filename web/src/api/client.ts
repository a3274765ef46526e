// One fetch wrapper for the staff API: bearer token, silent refresh (one at a time), problem bodies
// turned into ApiError, and requests that meet an expired session wait for a new sign-in.

import { auth, type SessionOut } from "./session";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly body: unknown = null,
  ) {
    super(detail || `${status} ${code}`);
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | null | undefined>;
  /** No bearer token (login, register, refresh). */
  anonymous?: boolean;
  signal?: AbortSignal;
}

export interface Response<T> {
  data: T;
  etag: string | null;
  status: number;
}

const REFRESH_MARGIN_MS = 30_000;
let refreshing: Promise<boolean> | null = null;

export function url(path: string, query?: RequestOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return `/api/${path.replace(/^\/+/, "")}${text ? `?${text}` : ""}`;
}

async function errorFrom(res: globalThis.Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const problem = (body ?? {}) as { code?: string; detail?: string; title?: string };
  return new ApiError(res.status, problem.code ?? "error", problem.detail ?? problem.title ?? res.statusText, body);
}

/** Spend the refresh token for a new pair; false (and the session marked expired) when refused. */
export function refreshSession(): Promise<boolean> {
  if (refreshing) return refreshing;
  const token = auth.refreshToken;
  if (!token) {
    auth.expire();
    return Promise.resolve(false);
  }
  refreshing = (async () => {
    try {
      const res = await fetch(url("auth/refresh-token"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (!res.ok) {
        if (res.status === 400 || res.status === 401) auth.expire();
        return false;
      }
      auth.signIn((await res.json()) as SessionOut);
      return true;
    } catch {
      return false; // network: keep the session, the caller retries later
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** A valid access token, refreshing first when it is about to end; waits through an expired session. */
export async function accessToken(): Promise<string> {
  if (auth.current.kind === "expired") await auth.whenSignedIn();
  if (auth.expiresWithin(REFRESH_MARGIN_MS)) await refreshSession();
  if (auth.current.kind === "expired") await auth.whenSignedIn();
  const token = auth.accessToken;
  if (!token) throw new ApiError(401, "signed_out", "Not signed in");
  return token;
}

async function send(path: string, options: RequestOptions, token: string | null): Promise<globalThis.Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...(options.headers ?? {}) };
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(url(path, options.query), {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
    signal: options.signal,
  });
}

/** The raw response of a staff request (after refresh/re-sign-in); throws ApiError when not ok. */
export async function request(path: string, options: RequestOptions = {}): Promise<globalThis.Response> {
  if (options.anonymous) {
    const res = await send(path, options, null);
    if (!res.ok) throw await errorFrom(res);
    return res;
  }
  let res = await send(path, options, await accessToken());
  if (res.status === 401) {
    // Revoked, disabled or expired early: one silent refresh, else wait for the sign-in dialog.
    if (!(await refreshSession())) await auth.whenSignedIn();
    res = await send(path, options, await accessToken());
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<Response<T>> {
  const res = await request(path, options);
  const data = (res.status === 204 ? null : await res.json()) as T;
  return { data, etag: res.headers.get("ETag"), status: res.status };
}

export async function signInWith(email: string, password: string): Promise<void> {
  const { data } = await api<SessionOut>("auth/login", { body: { email, password }, anonymous: true });
  auth.signIn(data);
}

export async function signOut(): Promise<void> {
  try {
    if (auth.accessToken) await send("auth/logout", { method: "POST" }, auth.accessToken);
  } finally {
    auth.signOut();
  }
}
