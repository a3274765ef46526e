import { useEffect, useState, type ReactNode } from "react";
import { signOut } from "../api/client";
import { auth } from "../api/session";
import { Link, usePath } from "../router";
import { staffLive } from "../realtime/staffLive";
import type { HubStatus } from "../realtime/hub";
import { AlertCenter } from "./AlertCenter";
import { ReloginDialog } from "./ReloginDialog";
import { useAuth } from "../App";

const NAV = [
  ["/live", "Live calls"],
  ["/calls", "Call history"],
  ["/patients", "Patients"],
  ["/appointments", "Appointments"],
  ["/inbox", "Inbox"],
] as const;

export function useHubStatus(): HubStatus {
  const [status, setStatus] = useState<HubStatus>(staffLive().status);
  useEffect(() => staffLive().onStatus(setStatus), []);
  return status;
}

const STATUS_TEXT: Record<HubStatus, string> = {
  connecting: "Connecting…",
  connected: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline — retrying",
};

export function Layout({ children }: { children: ReactNode }) {
  const path = usePath();
  const state = useAuth();
  const status = useHubStatus();
  const user = state.kind === "signed-out" ? null : state.user;
  const nav = user?.role === "admin" ? [...NAV, ["/staff", "Staff"] as const] : NAV;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <strong className="brand">ReddyTalk</strong>
        <nav aria-label="Main">
          {nav.map(([href, label]) => (
            <Link key={href} href={href} aria-current={path.startsWith(href) ? "page" : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span className={`hub hub-${status}`} role="status" data-testid="hub-status">
          {STATUS_TEXT[status]}
        </span>
        <span className="who">{user?.full_name}</span>
        <button type="button" className="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <AlertCenter />
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      {state.kind === "expired" && <ReloginDialog email={auth.current.kind === "expired" ? state.user.email : ""} />}
    </div>
  );
}
