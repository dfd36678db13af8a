import type { InputHTMLAttributes, ReactNode } from 'react';
import { Field } from './Field.js';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange' | 'children'>;

/** A labelled one-line input (text unless `type` says otherwise) with its hint and error (see Field). */
export function TextField({
  label,
  hint,
  error,
  value,
  onChange,
  ...input
}: InputProps & {
  label: string;
  hint?: ReactNode;
  error?: string | null | undefined;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(props) => (
        <input type="text" {...input} {...props} value={value} onChange={(e) => onChange(e.target.value)} />
      )}
    </Field>
  );
}
