import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { errorText } from "../api/hooks";
import type { Page, Patient, PatientSummary } from "../api/types";
import { Link, navigate } from "../router";
import { Field } from "./authForm";

export default function Patients() {
  const [query, setQuery] = useState({ name: "", dob: "", phone: "" });
  const [results, setResults] = useState<PatientSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ first_name: "", last_name: "", dob: "", phone: "", email: "" });
  const [createError, setCreateError] = useState<string | null>(null);

  const search = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const { data } = await api<Page<PatientSummary>>("patients", { query: { ...query, page_size: 50 } });
      setResults(data.items);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setCreateError(null);
    try {
      const body = { ...form, email: form.email || undefined };
      const { data } = await api<Patient>("patients", { body });
      navigate(`/patients/${data.id}`);
    } catch (err) {
      setCreateError(errorText(err));
    }
  };
  const setQ = (key: keyof typeof query) => (value: string) => setQuery((q) => ({ ...q, [key]: value }));
  const setF = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  return (
    <section aria-labelledby="patients-title">
      <h1 id="patients-title">Patients</h1>
      <form className="row" onSubmit={search} role="search" aria-label="Find patients">
        <Field label="Last or first name" value={query.name} onChange={setQ("name")} required={false} />
        <Field label="Date of birth" type="date" value={query.dob} onChange={setQ("dob")} required={false} />
        <Field label="Phone" type="tel" value={query.phone} onChange={setQ("phone")} required={false} />
        <button type="submit">Search</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {results && (
        <div className="table-wrap">
          <table>
            <thead><tr><th>Name</th><th>Born</th><th>Phone</th></tr></thead>
            <tbody>
              {results.map((p) => (
                <tr key={p.id}>
                  <td><Link href={`/patients/${p.id}`}>{p.last_name}, {p.first_name}</Link></td>
                  <td>{p.birth_year}</td>
                  <td>…{p.phone_last4}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {results.length === 0 && <p className="muted">No patient matches.</p>}
        </div>
      )}
      <details className="card">
        <summary>New patient</summary>
        <form onSubmit={create} className="grid">
          <Field label="First name" value={form.first_name} onChange={setF("first_name")} autoComplete="off" />
          <Field label="Last name" value={form.last_name} onChange={setF("last_name")} autoComplete="off" />
          <Field label="Date of birth" type="date" value={form.dob} onChange={setF("dob")} />
          <Field label="Phone" type="tel" value={form.phone} onChange={setF("phone")} hint="e.g. +16175550123" />
          <Field label="Email (optional)" type="email" value={form.email} onChange={setF("email")} required={false} />
          {createError && <p className="error" role="alert">{createError}</p>}
          <button type="submit">Create patient</button>
        </form>
      </details>
    </section>
  );
}
