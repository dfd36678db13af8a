import { Field } from '../../components/Field.js';

/** The "one OpenSSH public key per line" box (read with keyLines); `hint` says what it does to the account. */
export function PublicKeysField({
  hint,
  error,
  value,
  onChange,
}: {
  hint: string;
  error: string | null;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field label="Public keys" error={error} hint={hint}>
      {(props) => (
        <textarea
          {...props}
          rows={3}
          spellCheck={false}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
