import { useEffect, useRef, useSyncExternalStore } from "react";
import { Link } from "../router";
import { staffLive } from "../realtime/staffLive";
import type { Alert } from "../realtime/liveCalls";

const LABEL: Record<string, string> = {
  emergency: "Emergency on a call",
  transfer: "Caller asked for a person",
  takeover_needed: "Caller is waiting for a person",
};
const REPEAT_MS = 8000;
let audio: AudioContext | null = null;

/** A short two-tone chime; silent when the browser has not allowed audio yet. */
function chime(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === "suspended") void audio.resume().catch(() => undefined);
    const t = audio.currentTime;
    [880, 660].forEach((freq, i) => {
      const osc = audio!.createOscillator();
      const gain = audio!.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t + i * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.3, t + i * 0.25 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.25 + 0.22);
      osc.connect(gain).connect(audio!.destination);
      osc.start(t + i * 0.25);
      osc.stop(t + i * 0.25 + 0.25);
    });
  } catch {
    /* no audio output: the banner and the notification remain */
  }
}

function notify(alert: Alert): void {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  try {
    const note = new Notification(LABEL[alert.kind] ?? "Call alert", { body: "Open ReddyTalk to respond.", tag: alert.id, requireInteraction: true });
    note.onclick = () => window.focus();
  } catch {
    /* some browsers only allow notifications from a service worker */
  }
}

/** Alerts stay on screen, chime again and again, until someone acknowledges them. */
export function AlertCenter() {
  const live = staffLive();
  const state = useSyncExternalStore(live.store.subscribe, live.store.getSnapshot);
  const open = state.alerts.filter((a) => !a.acknowledged);
  const announced = useRef(new Set<string>());

  useEffect(() => {
    for (const alert of open) {
      if (!announced.current.has(alert.id)) {
        announced.current.add(alert.id);
        chime();
        notify(alert);
      }
    }
    if (open.length === 0) return;
    const timer = setInterval(chime, REPEAT_MS);
    return () => clearInterval(timer);
  }, [open.map((a) => a.id).join(",")]); // eslint-disable-line react-hooks/exhaustive-deps

  const canAsk = typeof Notification !== "undefined" && Notification.permission === "default";
  return (
    <>
      {canAsk && (
        <p className="notice">
          <button type="button" className="link" onClick={() => void Notification.requestPermission()}>
            Turn on desktop notifications
          </button>{" "}
          so emergency and transfer alerts reach you in other tabs.
        </p>
      )}
      <div aria-live="assertive" role="alert" className="alerts">
        {open.map((alert) => (
          <div key={alert.id} className={`alert alert-${alert.kind}`} data-testid={`alert-${alert.kind}`}>
            <strong>{LABEL[alert.kind] ?? alert.kind}</strong>
            <span>
              Call <Link href={`/calls/${alert.session_id}`}>{alert.session_id.slice(0, 8)}</Link>, turn {alert.turn},{" "}
              {new Date(alert.at).toLocaleTimeString()}
            </span>
            <button type="button" onClick={() => live.store.acknowledge(alert.id)}>
              Acknowledge
            </button>
          </div>
        ))}
      </div>
    </>
  );
}
