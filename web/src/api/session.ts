// The signed-in staff session, kept in memory only (docs/api.md: the dashboard holds the refresh
// token in memory). "expired" keeps the user and the screen: a sign-in dialog covers the page and
// requests waiting on it resume once the user signs in again.

export type Role = "admin" | "staff";

export interface User {
  id: string;
  practice_id: string;
  role: Role;
  email: string;
  full_name: string;
  status: string;
}

export interface SessionOut {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  user: User;
}

export type AuthState =
  | { kind: "signed-out" }
  | { kind: "signed-in"; user: User }
  | { kind: "expired"; user: User };

interface Tokens {
  access: string;
  refresh: string;
  accessExpiresAt: number; // ms since epoch
}

type Listener = (state: AuthState) => void;

class AuthStore {
  private state: AuthState = { kind: "signed-out" };
  private tokens: Tokens | null = null;
  private listeners = new Set<Listener>();
  private waiters: Array<() => void> = [];

  get current(): AuthState {
    return this.state;
  }

  get accessToken(): string | null {
    return this.tokens?.access ?? null;
  }

  get refreshToken(): string | null {
    return this.tokens?.refresh ?? null;
  }

  /** True when the access token ends within `marginMs` (refresh before sending). */
  expiresWithin(marginMs: number, now = Date.now()): boolean {
    return this.tokens !== null && this.tokens.accessExpiresAt - now < marginMs;
  }

  signIn(out: SessionOut, now = Date.now()): void {
    this.tokens = {
      access: out.access_token,
      refresh: out.refresh_token,
      accessExpiresAt: now + out.expires_in * 1000,
    };
    this.set({ kind: "signed-in", user: out.user });
    const waiting = this.waiters;
    this.waiters = [];
    waiting.forEach((resume) => resume());
  }

  /** The refresh token is spent or revoked: keep the user (and the page), ask to sign in again. */
  expire(): void {
    this.tokens = null;
    if (this.state.kind === "signed-in") this.set({ kind: "expired", user: this.state.user });
  }

  signOut(): void {
    this.tokens = null;
    this.waiters = [];
    this.set({ kind: "signed-out" });
  }

  /** Resolves when someone signs in again (used by requests that met an expired session). */
  whenSignedIn(): Promise<void> {
    if (this.state.kind === "signed-in") return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(state: AuthState): void {
    this.state = state;
    this.listeners.forEach((listener) => listener(state));
  }
}

export const auth = new AuthStore();
