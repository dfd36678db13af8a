import type { ReactNode } from 'react';
import { Field } from './Field.js';

export interface SelectOption<V extends string> {
  value: V;
  label: string;
}

/** A labelled drop-down of `options` with its hint and error (see Field). */
export function SelectField<V extends string>({
  label,
  hint,
  error,
  options,
  value,
  onChange,
  disabled,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | null | undefined;
  options: readonly SelectOption<V>[];
  value: V;
  onChange: (value: V) => void;
  disabled?: boolean;
}) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(props) => (
        <select {...props} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as V)}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
