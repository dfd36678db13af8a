import type { AccountUpdate, AccountView } from '@grid-sftp/core/api';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorText } from '../../components/ErrorText.js';
import { Field } from '../../components/Field.js';
import { fieldOfError, keyLines } from '../../components/form-errors.js';
import { actionKeys } from '../../store/action-keys.js';
import { useApp } from '../../store/store-context.js';

const FIELDS = ['password', 'publicKeys', 'readOnly'] as const;
type FieldName = (typeof FIELDS)[number];

interface Draft {
  newPassword: string;
  removePassword: boolean;
  replaceKeys: boolean;
  publicKeys: string;
  makeReadOnly: boolean;
}

/** Only what the person changed: omitted parts stay as they are (see AccountUpdate). */
export function toAccountUpdate(name: string, draft: Draft): AccountUpdate | null {
  let update: AccountUpdate = { name };
  if (draft.removePassword) update = { ...update, password: null };
  else if (draft.newPassword !== '') update = { ...update, password: draft.newPassword };
  if (draft.replaceKeys) update = { ...update, publicKeys: keyLines(draft.publicKeys) };
  if (draft.makeReadOnly) update = { ...update, readOnly: true };
  return Object.keys(update).length === 1 ? null : update;
}

export function EditAccountForm({
  account,
  onDone,
}: {
  account: AccountView;
  onDone: (message: string | null) => void;
}) {
  const updateAccount = useApp((s) => s.updateAccount);
  const busy = useApp((s) => actionKeys.updateAccount(account.name) in s.pending);
  const [draft, setDraft] = useState<Draft>({
    newPassword: '',
    removePassword: false,
    replaceKeys: false,
    publicKeys: '',
    makeReadOnly: false,
  });
  const [error, setError] = useState<{ field: FieldName | null; message: string } | null>(null);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    form.current?.querySelector<HTMLElement>('input, textarea')?.focus();
  }, []);

  const update = <K extends keyof Draft>(key: K, value: Draft[K]): void => {
    setDraft((current) => ({ ...current, [key]: value }));
  };
  const errorFor = (field: FieldName): string | null => (error?.field === field ? error.message : null);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const change = toAccountUpdate(account.name, draft);
    if (change === null) {
      setError({ field: null, message: 'Nothing to change: fill in a field or tick a box first.' });
      return;
    }
    setError(null);
    const result = await updateAccount(change);
    if (result.ok) onDone(`Account ${account.name} updated.`);
    else setError({ field: fieldOfError(result.error, FIELDS), message: result.error.message });
  };

  return (
    <form
      ref={form}
      aria-label={`Edit ${account.name}`}
      className="form form-inline-panel"
      onSubmit={(event) => void submit(event)}
      noValidate
    >
      <Field
        label="New password"
        error={errorFor('password')}
        hint={
          account.hasPassword ? 'Leave empty to keep the current password.' : 'Leave empty for no password.'
        }
      >
        {(props) => (
          <input
            {...props}
            type="password"
            autoComplete="new-password"
            disabled={draft.removePassword}
            value={draft.newPassword}
            onChange={(e) => update('newPassword', e.target.value)}
          />
        )}
      </Field>
      {account.hasPassword && (
        <label className="choice">
          <input
            type="checkbox"
            checked={draft.removePassword}
            onChange={(e) => update('removePassword', e.target.checked)}
          />
          Remove password
        </label>
      )}
      <label className="choice">
        <input
          type="checkbox"
          checked={draft.replaceKeys}
          onChange={(e) => update('replaceKeys', e.target.checked)}
        />
        Replace public keys
      </label>
      {draft.replaceKeys && (
        <Field
          label="Public keys"
          error={errorFor('publicKeys')}
          hint="One OpenSSH public key per line; these replace every key the account has. Empty removes them all."
        >
          {(props) => (
            <textarea
              {...props}
              rows={3}
              spellCheck={false}
              value={draft.publicKeys}
              onChange={(e) => update('publicKeys', e.target.value)}
            />
          )}
        </Field>
      )}
      {!account.readOnly && (
        <label className="choice">
          <input
            type="checkbox"
            checked={draft.makeReadOnly}
            onChange={(e) => update('makeReadOnly', e.target.checked)}
          />
          Make read-only (cannot be undone)
        </label>
      )}
      {errorFor('readOnly') !== null && <ErrorText error={errorFor('readOnly')} />}
      {error !== null && error.field === null && <ErrorText error={error.message} />}
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={busy}>
          Save changes
        </button>
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
