import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { errorText } from "../api/hooks";
import { auth, type SessionOut } from "../api/session";
import { Link, navigate } from "../router";
import { Field } from "./authForm";

const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function Register() {
  const [form, setForm] = useState({
    practice_name: "",
    practice_timezone: localZone,
    practice_phone: "",
    practice_address: "",
    full_name: "",
    email: "",
    password: "",
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [localZone];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await api<SessionOut>("auth/register", { body: form, anonymous: true });
      auth.signIn(data);
      navigate("/live", true);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <main className="auth" id="main">
      <form onSubmit={submit} className="card wide" aria-labelledby="register-title">
        <h1 id="register-title">Register your practice</h1>
        <fieldset>
          <legend>Practice</legend>
          <Field label="Practice name" value={form.practice_name} onChange={set("practice_name")} />
          <label>
            Time zone
            <select value={form.practice_timezone} onChange={(e) => set("practice_timezone")(e.target.value)}>
              {zones.map((z) => (
                <option key={z}>{z}</option>
              ))}
            </select>
          </label>
          <Field label="Phone" type="tel" value={form.practice_phone} onChange={set("practice_phone")} hint="International format, e.g. +16175550100" pattern="\+[1-9][0-9]{7,14}" />
          <Field label="Address" value={form.practice_address} onChange={set("practice_address")} autoComplete="street-address" />
        </fieldset>
        <fieldset>
          <legend>You (the first administrator)</legend>
          <Field label="Full name" value={form.full_name} onChange={set("full_name")} autoComplete="name" />
          <Field label="Email" type="email" value={form.email} onChange={set("email")} autoComplete="email" />
          <Field label="Password" type="password" value={form.password} onChange={set("password")} autoComplete="new-password" minLength={12} hint="At least 12 characters" />
        </fieldset>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          Create practice
        </button>
        <p className="muted">
          Already registered? <Link href="/login">Sign in</Link>
        </p>
      </form>
    </main>
  );
}
