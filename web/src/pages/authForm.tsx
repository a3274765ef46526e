import type { ReactNode } from "react";

export function Field(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: string;
  autoComplete?: string;
  required?: boolean;
  hint?: string;
  pattern?: string;
  minLength?: number;
  children?: ReactNode;
}) {
  return (
    <label>
      {props.label}
      <input
        type={props.type ?? "text"}
        value={props.value}
        autoComplete={props.autoComplete}
        required={props.required ?? true}
        pattern={props.pattern}
        minLength={props.minLength}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint && <small className="muted">{props.hint}</small>}
    </label>
  );
}
