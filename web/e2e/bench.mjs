// Browser half of bench/web_bench.py: dashboard load (login page → interactive live board) and
// SignalR turn message → DOM, in Debian's Chromium. Prints one JSON object on stdout.
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";
import { parseArgs } from "node:util";

const { values: opt } = parseArgs({
  options: Object.fromEntries(["base", "email", "password", "chromium", "signalr", "practice", "loads", "messages"].map((k) => [k, { type: "string" }])),
});
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function signalrSender(connection) {
  const parts = Object.fromEntries(connection.split(";").filter(Boolean).map((p) => [p.slice(0, p.indexOf("=")).toLowerCase(), p.slice(p.indexOf("=") + 1)]));
  const base = new URL(parts.endpoint);
  if (parts.port) base.port = parts.port;
  const endpoint = base.origin;
  const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
  return async (group, target, payload) => {
    const url = `${endpoint}/api/hubs/reddytalk/groups/${encodeURIComponent(group)}/:send`;
    const now = Math.floor(Date.now() / 1000);
    const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ aud: url, iat: now, exp: now + 300 })}`;
    const sig = createHmac("sha256", parts.accesskey).update(head).digest("base64url");
    const res = await fetch(`${url}?api-version=2022-06-01`, {
      method: "POST",
      headers: { Authorization: `Bearer ${head}.${sig}`, "Content-Type": "application/json" },
      body: JSON.stringify({ target, arguments: [payload] }),
    });
    if (res.status >= 300) throw new Error(`SignalR REST answered ${res.status}`);
  };
}

const pct = (values, q) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((q / 100) * s.length) - 1)] : null;
};
const summary = (v) => ({ n: v.length, p50: pct(v, 50), p95: pct(v, 95), max: v.length ? Math.max(...v) : null });

const browser = await chromium.launch({ executablePath: opt.chromium, headless: true, args: FLAGS });
const out = { loads: [], message_to_dom: {} };
try {
  let page = null;
  for (let i = 0; i < Number(opt.loads ?? 5); i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    const t0 = Date.now();
    await page.goto(`${opt.base}/login`);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    const loginReady = Date.now() - t0;
    await page.getByLabel("Email").fill(opt.email);
    await page.getByLabel("Password").fill(opt.password);
    const t1 = Date.now();
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Live calls" }).waitFor();
    const boardShown = Date.now() - t1;
    await page.getByTestId("hub-status").filter({ hasText: "Live" }).waitFor({ timeout: 20_000 });
    const boardLive = Date.now() - t1;
    out.loads.push({ login_page_ms: loginReady, board_shown_ms: boardShown, board_live_ms: boardLive, total_ms: loginReady + boardLive });
    if (i < Number(opt.loads ?? 5) - 1) await context.close();
  }
  // Message → DOM on the last signed-in page.
  await page.evaluate(() => {
    window.__seen = {};
    new MutationObserver((records) => {
      const t = performance.now();
      for (const r of records) for (const node of r.addedNodes) {
        const text = node instanceof HTMLElement ? node.textContent ?? "" : "";
        const m = /bench-(\d+)/.exec(text);
        if (m && !window.__seen[m[1]]) window.__seen[m[1]] = t;
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  const send = signalrSender(opt.signalr);
  const n = Number(opt.messages ?? 200);
  const sentAt = {};
  for (let i = 1; i <= n; i++) {
    sentAt[i] = Date.now();
    await send(`practice-${opt.practice}`, "turn.heard", { session_id: "bench-call", turn: i, text: `bench-${i}` });
    await page.waitForFunction((k) => window.__seen[k] !== undefined, String(i), { timeout: 10_000, polling: 5 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
  }
  const found = await page.evaluate(() => {
    const marks = Object.fromEntries(performance.getEntriesByType("mark").filter((m) => m.name.startsWith("rt:turn.heard:bench-call:")).map((m) => [m.name.split(":")[3], m.startTime]));
    return { seen: window.__seen, marks, origin: performance.timeOrigin };
  });
  const receiveToDom = [];
  const sendToDom = [];
  let missing = 0;
  for (let i = 1; i <= n; i++) {
    const dom = found.seen[String(i)];
    const mark = found.marks[String(i)];
    if (dom === undefined || mark === undefined) {
      missing++;
      continue;
    }
    receiveToDom.push(+(dom - mark).toFixed(2));
    sendToDom.push(+(found.origin + dom - sentAt[i]).toFixed(2));
  }
  out.message_to_dom = { sent: n, missing, receive_to_dom_ms: summary(receiveToDom), send_to_dom_ms: summary(sendToDom) };
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
