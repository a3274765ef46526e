import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { AlertCenter } from "./AlertCenter";
import { LiveBoard } from "../pages/LiveBoard";
import { resetStaffLive, staffLive } from "../realtime/staffLive";

afterEach(async () => {
  cleanup();
  await resetStaffLive();
});

describe("LiveBoard", () => {
  it("shows a call's lines one by one as messages arrive, with the reply's latency", () => {
    render(<LiveBoard />);
    const store = staffLive().store;
    act(() => void store.apply("turn.heard", { session_id: "call-1", turn: 1, text: "I need an appointment" }));
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual(["CallerI need an appointment"]);
    act(() => void store.apply("turn.text", { session_id: "call-1", turn: 1, seq: 0, text: "Sure." }));
    act(() => void store.apply("turn.text", { session_id: "call-1", turn: 1, seq: 1, text: "Your name?" }));
    act(() => void store.apply("turn.done", { session_id: "call-1", turn: 1, reply: "Sure. Your name?", flags: { identity_verified: false }, tool_calls: [], timings_ms: { first_audio_ms: 612.4 } }));
    const items = screen.getAllByRole("listitem").map((li) => li.textContent);
    expect(items).toEqual(["CallerI need an appointment", "ReceptionistSure.612 ms", "ReceptionistYour name?"]);
    expect(screen.getByTestId("active-count").textContent).toBe("1 active");
  });

  it("moves an ended call out of the active list", () => {
    render(<LiveBoard />);
    act(() => void staffLive().store.apply("turn.heard", { session_id: "call-2", turn: 1, text: "hello" }));
    act(() => void staffLive().store.apply("session.ended", { session_id: "call-2", reason: "hangup" }));
    expect(screen.getByText("Just ended")).toBeTruthy();
    expect(screen.getByTestId("active-count").textContent).toMatch(/No calls right now/);
  });
});

describe("AlertCenter", () => {
  it("keeps an emergency banner until someone acknowledges it", () => {
    render(<AlertCenter />);
    act(() => void staffLive().store.apply("session.alert", { session_id: "call-3", turn: 4, kind: "emergency" }));
    const banner = screen.getByTestId("alert-emergency");
    expect(banner.textContent).toContain("Emergency on a call");
    act(() => void staffLive().store.apply("turn.heard", { session_id: "call-3", turn: 5, text: "more" }));
    expect(screen.getByTestId("alert-emergency")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Acknowledge" }));
    expect(screen.queryByTestId("alert-emergency")).toBeNull();
  });
});
