import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { errorText, useLoad } from "../api/hooks";
import type { UserOut } from "../api/types";
import { Field } from "./authForm";

interface InviteOut {
  invite_code: string;
  email: string;
  role: string;
  expires_at: number;
}

export default function Staff() {
  const users = useLoad((signal) => api<{ items: UserOut[] }>("auth/users", { signal }).then((r) => r.data.items), []);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("staff");
  const [invite, setInvite] = useState<InviteOut | null>(null);
  const [error, setError] = useState<string | null>(null);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const { data } = await api<InviteOut>("auth/invites", { body: { email, role } });
      setInvite(data);
      setError(null);
      setEmail("");
    } catch (err) {
      setError(errorText(err));
    }
  };
  const disable = async (user: UserOut) => {
    if (!window.confirm(`Disable ${user.full_name}? They are signed out at once.`)) return;
    try {
      await api(`auth/users/${encodeURIComponent(user.id)}/disable`, { method: "POST" });
      users.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const link = invite ? `${window.location.origin}/join?code=${encodeURIComponent(invite.invite_code)}&email=${encodeURIComponent(invite.email)}` : "";

  return (
    <section aria-labelledby="staff-title">
      <h1 id="staff-title">Staff</h1>
      {users.error && <p className="error" role="alert">{errorText(users.error)}</p>}
      <div className="table-wrap">
        <table>
          <thead><tr><th>Name</th><th>Email</th><th>Role</th><th>Status</th><th /></tr></thead>
          <tbody>
            {(users.data ?? []).map((u) => (
              <tr key={u.id}>
                <td>{u.full_name}</td><td>{u.email}</td><td>{u.role}</td><td>{u.status}</td>
                <td>{u.status !== "disabled" && <button type="button" className="link danger" onClick={() => void disable(u)}>Disable</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="card grid" onSubmit={send} aria-labelledby="invite-title">
        <h2 id="invite-title">Invite someone</h2>
        <Field label="Email" type="email" value={email} onChange={setEmail} />
        <label>Role
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="staff">Staff</option>
            <option value="admin">Administrator</option>
          </select>
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit">Create invite</button>
        {invite && (
          <p className="ok" role="status">
            Send this link to {invite.email} (valid 72 hours, once): <code className="break">{link}</code>
          </p>
        )}
      </form>
    </section>
  );
}
