// Official SignalR JS client under Node: connect through the app's negotiate, print what arrives.
// Usage: node signalr_client.mjs <app base url, e.g. http://127.0.0.1:7071/api> <user id> <target>
// Prints one JSON line per event: {"event":"connected","connectionId":...}, {"event":"message","args":[...]},
// {"event":"closed","error":...}. Stops on stdin EOF or "stop" line.
import * as signalR from "@microsoft/signalr";
import readline from "node:readline";

const [baseUrl, userId, target] = process.argv.slice(2);
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

const connection = new signalR.HubConnectionBuilder()
  .withUrl(baseUrl, { headers: { "x-user-id": userId } })
  .configureLogging(signalR.LogLevel.Warning)
  .build();

// The JS client matches targets case-insensitively; register in upper case to prove it.
connection.on(target.toUpperCase(), (...args) => emit({ event: "message", args }));
connection.onclose((error) => {
  emit({ event: "closed", error: error ? String(error.message || error) : null });
  process.exit(0);
});

try {
  await connection.start();
  emit({ event: "connected", connectionId: connection.connectionId });
} catch (error) {
  emit({ event: "failed", error: String(error.message || error) });
  process.exit(2);
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  if (line.trim() === "stop") {
    await connection.stop();
  }
});
rl.on("close", async () => {
  await connection.stop();
});
