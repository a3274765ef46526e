import { lazy, Suspense, useEffect, useSyncExternalStore } from "react";
import { auth, type AuthState } from "./api/session";
import { match, Redirect, usePath } from "./router";
import { Layout } from "./components/Layout";
import { Login } from "./pages/Login";
import { Register } from "./pages/Register";
import { Join } from "./pages/Join";
import { LiveBoard } from "./pages/LiveBoard";
import { resetStaffLive, staffLive } from "./realtime/staffLive";

// Pages a visit may never open load on demand, so the login → live board path stays small.
const CallDetail = lazy(() => import("./pages/CallDetail"));
const Calls = lazy(() => import("./pages/Calls"));
const Patients = lazy(() => import("./pages/Patients"));
const PatientEdit = lazy(() => import("./pages/PatientEdit"));
const Appointments = lazy(() => import("./pages/Appointments"));
const Inbox = lazy(() => import("./pages/Inbox"));
const Staff = lazy(() => import("./pages/Staff"));
const Caller = lazy(() => import("./pages/Caller"));

export function useAuth(): AuthState {
  return useSyncExternalStore((l) => auth.subscribe(l), () => auth.current);
}

function staffPage(path: string) {
  if (path === "/live") return <LiveBoard />;
  if (path === "/calls") return <Calls />;
  const call = match("/calls/:id", path);
  if (call) return <CallDetail sessionId={call.id as string} />;
  if (path === "/patients") return <Patients />;
  const patient = match("/patients/:id", path);
  if (patient) return <PatientEdit patientId={patient.id as string} />;
  if (path === "/appointments") return <Appointments />;
  if (path === "/inbox") return <Inbox />;
  if (path === "/staff") return <Staff />;
  return null;
}

export function App() {
  const path = usePath();
  const state = useAuth();
  const signedIn = state.kind !== "signed-out";

  useEffect(() => {
    if (state.kind === "signed-in") staffLive().start();
    if (state.kind === "signed-out") void resetStaffLive();
  }, [state.kind]);

  const caller = match("/call/:practice", path);
  if (caller) {
    return (
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <Caller practiceId={caller.practice as string} />
      </Suspense>
    );
  }
  if (path === "/login") return signedIn ? <Redirect to="/live" /> : <Login />;
  if (path === "/register") return signedIn ? <Redirect to="/live" /> : <Register />;
  if (path === "/join") return signedIn ? <Redirect to="/live" /> : <Join />;
  if (!signedIn) return <Redirect to={`/login?next=${encodeURIComponent(path)}`} />;
  const page = staffPage(path);
  if (!page) return <Redirect to="/live" />;
  return (
    <Layout>
      <Suspense fallback={<p className="loading">Loading…</p>}>{page}</Suspense>
    </Layout>
  );
}
