import { useEffect, useState, type FormEvent } from "react";
import { api, ApiError } from "../api/client";
import { errorText } from "../api/hooks";
import type { Patient } from "../api/types";
import { Field } from "./authForm";

type Editable = Pick<Patient, "first_name" | "last_name" | "dob" | "phone"> & { email: string };
const FIELDS: Array<[keyof Editable, string, string]> = [
  ["first_name", "First name", "text"],
  ["last_name", "Last name", "text"],
  ["dob", "Date of birth", "date"],
  ["phone", "Phone", "tel"],
  ["email", "Email", "email"],
];

function editable(p: Patient): Editable {
  return { first_name: p.first_name, last_name: p.last_name, dob: p.dob, phone: p.phone, email: p.email ?? "" };
}

export default function PatientEdit({ patientId }: { patientId: string }) {
  const [record, setRecord] = useState<Patient | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [form, setForm] = useState<Editable | null>(null);
  const [conflict, setConflict] = useState<Patient | null>(null);
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);

  const load = async () => {
    const res = await api<Patient>(`patients/${encodeURIComponent(patientId)}`);
    setRecord(res.data);
    setEtag(res.etag ?? res.data.etag);
    return res;
  };
  useEffect(() => {
    load()
      .then((res) => setForm(editable(res.data)))
      .catch((err: unknown) => setMessage({ kind: "error", text: errorText(err) }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [patientId]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!form || !record || !etag) return;
    const before = editable(record);
    const changed = Object.fromEntries(Object.entries(form).filter(([k, v]) => before[k as keyof Editable] !== v).map(([k, v]) => [k, k === "email" && v === "" ? null : v]));
    if (Object.keys(changed).length === 0) {
      setMessage({ kind: "ok", text: "Nothing changed." });
      return;
    }
    try {
      const res = await api<Patient>(`patients/${encodeURIComponent(patientId)}`, { method: "PATCH", body: changed, headers: { "If-Match": etag } });
      setRecord(res.data);
      setEtag(res.etag ?? res.data.etag);
      setForm(editable(res.data));
      setConflict(null);
      setMessage({ kind: "ok", text: "Saved." });
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        // Someone saved first: show their version next to these edits; overwrite nothing.
        const latest = await api<Patient>(`patients/${encodeURIComponent(patientId)}`);
        setConflict(latest.data);
        setMessage({ kind: "error", text: "Someone else changed this patient while you were editing. Your changes were not saved." });
      } else setMessage({ kind: "error", text: errorText(err) });
    }
  };

  const useLatest = () => {
    if (!conflict || !form || !record) return;
    // Keep only what this user changed; every other field takes the other person's saved value,
    // so saving again cannot silently undo their edit.
    const base = editable(record);
    const latest = editable(conflict);
    const merged = Object.fromEntries(
      FIELDS.map(([key]) => [key, form[key] !== base[key] ? form[key] : latest[key]]),
    ) as Editable;
    setRecord(conflict);
    setEtag(conflict.etag);
    setForm(merged);
    setConflict(null);
    setMessage({ kind: "ok", text: "Loaded the latest version with your changes on top. Check them and save again." });
  };

  return (
    <section aria-labelledby="patient-title">
      <h1 id="patient-title">{record ? `${record.first_name} ${record.last_name}` : "Patient"}</h1>
      {message && <p className={message.kind === "error" ? "error" : "ok"} role={message.kind === "error" ? "alert" : "status"} data-testid="patient-message">{message.text}</p>}
      {conflict && form && (
        <div className="conflict card" data-testid="conflict">
          <h2>Their version</h2>
          <table>
            <thead><tr><th>Field</th><th>Saved by someone else</th><th>Your edit</th></tr></thead>
            <tbody>
              {FIELDS.map(([key, label]) => {
                const mine = record !== null && form[key] !== editable(record)[key];
                return (
                  <tr key={key} className={mine && editable(conflict)[key] !== form[key] ? "differs" : ""}>
                    <td>{label}</td><td>{editable(conflict)[key]}</td><td>{mine ? form[key] : <span className="muted">unchanged</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <button type="button" onClick={useLatest}>Review against the latest version</button>
        </div>
      )}
      {form && (
        <form onSubmit={save} className="grid card">
          {FIELDS.map(([key, label, type]) => (
            <Field key={key} label={label} type={type} value={form[key]} required={key !== "email"} onChange={(v) => setForm((f) => (f ? { ...f, [key]: v } : f))} />
          ))}
          <button type="submit">Save</button>
        </form>
      )}
    </section>
  );
}
