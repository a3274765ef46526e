import { useEffect, useState, useSyncExternalStore, type FormEvent } from "react";
import { api } from "../api/client";
import { errorText, useLoad } from "../api/hooks";
import type { Appointment, Page, PatientSummary, PracticeInfo } from "../api/types";
import { Link } from "../router";
import { staffLive } from "../realtime/staffLive";
import { addDays, clockIn, dayIn, localInput, todayIn, zonedIso } from "../time";
import { Field } from "./authForm";

const REFRESH_MS = 15_000;

function usePractice() {
  return useLoad((signal) => api<PracticeInfo>("practice", { signal }).then((r) => r.data), []);
}

function AppointmentItem({ appt, practice, onChanged }: { appt: Appointment; practice: PracticeInfo; onChanged: () => void }) {
  const [moving, setMoving] = useState(false);
  const [start, setStart] = useState(localInput(appt.start, practice.timezone));
  const [error, setError] = useState<string | null>(null);
  const type = practice.appointment_types.find((t) => t.id === appt.type)?.name ?? appt.type;
  const cancel = async () => {
    if (!window.confirm("Cancel this appointment?")) return;
    try {
      await api(`appointments/${appt.id}/cancel`, { method: "POST", headers: { "Idempotency-Key": `cancel-${appt.id}` } });
      onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const move = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api(`appointments/${appt.id}/move`, { body: { start: zonedIso(start, practice.timezone) }, headers: { "Idempotency-Key": `move-${appt.id}-${start}` } });
      setMoving(false);
      setError(null);
      onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <li className={`appt status-${appt.status}`} data-testid="appointment">
      <strong>{clockIn(appt.start, practice.timezone)}</strong> {type} · <Link href={`/patients/${appt.patient_id}`}>patient</Link>
      {appt.status !== "booked" && <span className="pill">{appt.status}</span>}
      {appt.status === "booked" && (
        <span className="actions">
          <button type="button" className="link" onClick={() => setMoving((m) => !m)}>Move</button>
          <button type="button" className="link danger" onClick={() => void cancel()}>Cancel</button>
        </span>
      )}
      {moving && (
        <form className="row" onSubmit={move}>
          <Field label="New time" type="datetime-local" value={start} onChange={setStart} />
          <button type="submit">Move</button>
        </form>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </li>
  );
}

function BookForm({ practice, day, onBooked }: { practice: PracticeInfo; day: string; onBooked: () => void }) {
  const [name, setName] = useState("");
  const [found, setFound] = useState<PatientSummary[]>([]);
  const [patient, setPatient] = useState<PatientSummary | null>(null);
  const [provider, setProvider] = useState(practice.providers[0]?.id ?? "");
  const [type, setType] = useState(practice.appointment_types[0]?.id ?? "");
  const [start, setStart] = useState(`${day}T09:00`);
  const [error, setError] = useState<string | null>(null);
  const [key] = useState(() => crypto.randomUUID());

  const find = async () => {
    try {
      const { data } = await api<Page<PatientSummary>>("patients", { query: { name, page_size: 10 } });
      setFound(data.items);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const book = async (event: FormEvent) => {
    event.preventDefault();
    if (!patient) return setError("Choose a patient first.");
    try {
      await api("appointments", { body: { patient_id: patient.id, provider_id: provider, type_id: type, start: zonedIso(start, practice.timezone) }, headers: { "Idempotency-Key": `${key}-${start}-${provider}` } });
      setError(null);
      onBooked();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <details className="card">
      <summary>Book an appointment</summary>
      <form onSubmit={book} className="grid">
        <div className="row">
          <Field label="Patient name" value={name} onChange={setName} required={false} />
          <button type="button" onClick={() => void find()}>Find</button>
        </div>
        {found.length > 0 && (
          <fieldset>
            <legend>Patient</legend>
            {found.map((p) => (
              <label key={p.id} className="inline">
                <input type="radio" name="patient" checked={patient?.id === p.id} onChange={() => setPatient(p)} /> {p.last_name}, {p.first_name} ({p.birth_year}, …{p.phone_last4})
              </label>
            ))}
          </fieldset>
        )}
        <label>Provider
          <select value={provider} onChange={(e) => setProvider(e.target.value)}>
            {practice.providers.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </label>
        <label>Type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            {practice.appointment_types.map((t) => <option key={t.id} value={t.id}>{t.name} ({t.minutes} min)</option>)}
          </select>
        </label>
        <Field label={`Start (${practice.timezone})`} type="datetime-local" value={start} onChange={setStart} />
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit">Book</button>
      </form>
    </details>
  );
}

export default function Appointments() {
  const practice = usePractice();
  const zone = practice.data?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [day, setDay] = useState<string | null>(null);
  const [view, setView] = useState<"day" | "provider">("day");
  const [provider, setProvider] = useState("");
  const live = useSyncExternalStore(staffLive().store.subscribe, staffLive().store.getSnapshot);
  const shownDay = day ?? todayIn(zone);
  const list = useLoad(
    (signal) =>
      api<{ items: Appointment[] }>("appointments", {
        query: view === "day" ? { day: shownDay } : { provider_id: provider || practice.data?.providers[0]?.id },
        signal,
      }).then((r) => r.data.items),
    [shownDay, view, provider, practice.data?.id, live.dataVersion],
  );
  useEffect(() => {
    const timer = setInterval(list.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [list.reload]);

  if (practice.error) return <p className="error" role="alert">{errorText(practice.error)}</p>;
  if (!practice.data) return <p className="loading">Loading…</p>;
  const info = practice.data;
  const items = (list.data ?? []).slice().sort((a, b) => a.start.localeCompare(b.start));

  return (
    <section aria-labelledby="appts-title">
      <h1 id="appts-title">Appointments</h1>
      <div className="row toolbar">
        <div role="group" aria-label="View">
          <button type="button" aria-pressed={view === "day"} onClick={() => setView("day")}>Day</button>
          <button type="button" aria-pressed={view === "provider"} onClick={() => setView("provider")}>Provider</button>
        </div>
        {view === "day" ? (
          <>
            <button type="button" aria-label="Previous day" onClick={() => setDay(addDays(shownDay, -1))}>‹</button>
            <label className="inline">Day <input type="date" value={shownDay} onChange={(e) => setDay(e.target.value)} /></label>
            <button type="button" aria-label="Next day" onClick={() => setDay(addDays(shownDay, 1))}>›</button>
          </>
        ) : (
          <label className="inline">Provider{" "}
            <select value={provider || info.providers[0]?.id} onChange={(e) => setProvider(e.target.value)}>
              {info.providers.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
            </select>
          </label>
        )}
      </div>
      {list.error && <p className="error" role="alert">{errorText(list.error)}</p>}
      {view === "day" ? (
        <div className="columns" data-testid="day-view">
          {info.providers.map((p) => {
            const mine = items.filter((a) => a.provider_id === p.id);
            return (
              <div key={p.id} className="column">
                <h2>{p.name}</h2>
                <ul className="appts">
                  {mine.map((a) => <AppointmentItem key={a.id} appt={a} practice={info} onChanged={list.reload} />)}
                  {mine.length === 0 && <li className="muted">Nothing booked.</li>}
                </ul>
              </div>
            );
          })}
        </div>
      ) : (
        <ul className="appts" data-testid="provider-view">
          {items.filter((a) => dayIn(a.start, zone) >= todayIn(zone)).map((a) => (
            <li key={a.id} className="day-label">
              <span className="muted">{dayIn(a.start, zone)}</span>
              <ul><AppointmentItem appt={a} practice={info} onChanged={list.reload} /></ul>
            </li>
          ))}
          {items.length === 0 && <li className="muted">No upcoming appointments.</li>}
        </ul>
      )}
      <BookForm practice={info} day={shownDay} onBooked={list.reload} />
    </section>
  );
}
