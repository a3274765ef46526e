// Shapes of the staff API's answers (docs/api.md, /api/openapi.json) the pages use.

export interface CallSummary {
  session_id: string;
  status: string | null;
  channel: string | null;
  started_at: number | null;
  ended_at: number | null;
  end_reason: string | null;
  recording_consent: boolean | null;
  current_turn: number | null;
}

export interface CallDetails extends CallSummary {
  summary: Record<string, unknown> | null;
  metrics: Record<string, unknown> | null;
  live: LiveState | null;
}

export interface LiveTurn {
  turn: number;
  caller: string;
  reply: string;
  tools: string[];
  first_audio_ms: number | null;
  interrupted: boolean;
}

export interface LiveState {
  recent?: LiveTurn[];
  flags?: Record<string, unknown>;
  totals?: Record<string, number>;
}

export interface TranscriptLine {
  turn: number;
  speaker: "caller" | "receptionist" | "staff";
  text: string;
}

export interface CallTranscript {
  session_id: string;
  final: boolean;
  lines: TranscriptLine[];
}

export interface Page<T> {
  items: T[];
  continuation?: string | null;
  next?: string | null;
}

export interface PatientSummary {
  id: string;
  first_name: string;
  last_name: string;
  birth_year: number;
  phone_last4: string;
}

export interface Patient {
  id: string;
  first_name: string;
  last_name: string;
  dob: string;
  phone: string;
  email: string | null;
  created_at: string;
  updated_at: string;
  etag: string;
}

export interface Appointment {
  id: string;
  patient_id: string;
  provider_id: string;
  type: string;
  start: string;
  status: string;
}

export interface PracticeInfo {
  id: string;
  name: string;
  timezone: string;
  providers: Array<{ id: string; name: string; specialty: string }>;
  appointment_types: Array<{ id: string; name: string; minutes: number }>;
}

export interface StaffMessage {
  id: string;
  session_id: string;
  kind: "callback" | "refill" | "running_late" | "handoff_unanswered" | "other";
  caller_name: string;
  phone: string;
  reason: string;
  patient_id: string | null;
  status: "open" | "done";
  created_at: string;
  done_at: string | null;
  done_by: string | null;
}

export interface UserOut {
  id: string;
  practice_id: string;
  role: "admin" | "staff";
  email: string;
  full_name: string;
  status: string;
}

export interface TurnTimings {
  end_of_turn_ms?: number;
  stt_done_ms?: number;
  first_token_ms?: number;
  first_audio_ms?: number;
  done_ms?: number;
  stt_ms?: number;
  tts_ms?: number;
}
