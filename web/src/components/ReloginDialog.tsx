import { useEffect, useRef, useState, type FormEvent } from "react";
import { signInWith } from "../api/client";
import { errorText } from "../api/hooks";

/** Covers the page (which stays as it was) until the same person signs in again. */
export function ReloginDialog({ email }: { email: string }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await signInWith(email, password);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="overlay">
      <form className="dialog" role="dialog" aria-modal="true" aria-labelledby="relogin-title" onSubmit={submit}>
        <h2 id="relogin-title">Your session has ended</h2>
        <p>Sign in again to continue. Nothing on this page is lost.</p>
        <label>
          Email
          <input value={email} readOnly />
        </label>
        <label>
          Password
          <input ref={field} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </div>
  );
}
