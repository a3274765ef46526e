import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { errorText } from "../api/hooks";
import { auth, type SessionOut } from "../api/session";
import { Link, navigate, useQuery } from "../router";
import { Field } from "./authForm";

export function Join() {
  const query = useQuery();
  const [form, setForm] = useState({ invite_code: query.get("code") ?? "", email: query.get("email") ?? "", full_name: "", password: "" });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await api<SessionOut>("auth/register", { body: { ...form, invite_code: form.invite_code.trim() }, anonymous: true });
      auth.signIn(data);
      navigate("/live", true);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <main className="auth" id="main">
      <form onSubmit={submit} className="card" aria-labelledby="join-title">
        <h1 id="join-title">Accept an invite</h1>
        <Field label="Invite code" value={form.invite_code} onChange={set("invite_code")} />
        <Field label="Email (the invited address)" type="email" value={form.email} onChange={set("email")} autoComplete="email" />
        <Field label="Full name" value={form.full_name} onChange={set("full_name")} autoComplete="name" />
        <Field label="Password" type="password" value={form.password} onChange={set("password")} autoComplete="new-password" minLength={12} hint="At least 12 characters" />
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          Join practice
        </button>
        <p className="muted">
          <Link href="/login">Back to sign in</Link>
        </p>
      </form>
    </main>
  );
}
