import { useState, type FormEvent } from "react";
import { signInWith } from "../api/client";
import { errorText } from "../api/hooks";
import { Link, navigate, useQuery } from "../router";

export function Login() {
  const next = useQuery().get("next");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signInWith(email.trim(), password);
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/live", true);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <main className="auth" id="main">
      <form onSubmit={submit} className="card" aria-labelledby="login-title">
        <h1 id="login-title">Sign in to ReddyTalk</h1>
        <label>
          Email
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p className="muted">
          New practice? <Link href="/register">Register</Link> · Have an invite? <Link href="/join">Accept it</Link>
        </p>
      </form>
    </main>
  );
}
