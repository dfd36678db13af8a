import type { AccountUpdate, AccountView } from '@grid-sftp/core/api';
import { useEffect, useRef, type FormEvent } from 'react';
import { Checkbox } from '../../components/Choice.js';
import { ErrorText } from '../../components/ErrorText.js';
import { FormButtons } from '../../components/FormButtons.js';
import { keyLines, useFormError } from '../../components/form-errors.js';
import { TextField } from '../../components/TextField.js';
import { useDraft } from '../../components/use-draft.js';
import { actionKeys } from '../../store/action-keys.js';
import { useApp } from '../../store/store-context.js';
import { useAction } from '../../store/use-action.js';
import { PublicKeysField } from './PublicKeysField.js';

const FIELDS = ['password', 'publicKeys', 'readOnly'] as const;

interface Draft {
  newPassword: string;
  removePassword: boolean;
  replaceKeys: boolean;
  publicKeys: string;
  makeReadOnly: boolean;
}

const UNCHANGED: Draft = {
  newPassword: '',
  removePassword: false,
  replaceKeys: false,
  publicKeys: '',
  makeReadOnly: false,
};

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
  const { busy } = useAction(actionKeys.updateAccount(account.name));
  // Replacing keys starts from the ones the account has: remove a line, add one, save.
  const { draft, update } = useDraft<Draft>({
    ...UNCHANGED,
    publicKeys: account.keys.map((key) => key.line).join('\n'),
  });
  const { errorFor, formError, setError } = useFormError(FIELDS);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    form.current?.querySelector<HTMLElement>('input, textarea')?.focus();
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const change = toAccountUpdate(account.name, draft);
    if (change === null) {
      setError('Nothing to change: fill in a field or tick a box first.');
      return;
    }
    setError(null);
    const result = await updateAccount(change);
    if (result.ok) onDone(`Account ${account.name} updated.`);
    else setError(result.error);
  };

  return (
    <form
      ref={form}
      aria-label={`Edit ${account.name}`}
      className="form form-inline-panel"
      onSubmit={(event) => void submit(event)}
      noValidate
    >
      <TextField
        label="New password"
        error={errorFor('password')}
        hint={
          account.hasPassword ? 'Leave empty to keep the current password.' : 'Leave empty for no password.'
        }
        type="password"
        autoComplete="new-password"
        disabled={draft.removePassword}
        value={draft.newPassword}
        onChange={(value) => update('newPassword', value)}
      />
      {account.hasPassword && (
        <Checkbox
          label="Remove password"
          checked={draft.removePassword}
          onChange={(value) => update('removePassword', value)}
        />
      )}
      <Checkbox
        label="Replace public keys"
        checked={draft.replaceKeys}
        onChange={(value) => update('replaceKeys', value)}
      />
      {draft.replaceKeys && (
        <PublicKeysField
          error={errorFor('publicKeys')}
          hint="One OpenSSH public key per line; these replace every key the account has. Empty removes them all."
          value={draft.publicKeys}
          onChange={(value) => update('publicKeys', value)}
        />
      )}
      {!account.readOnly && (
        <Checkbox
          label="Make read-only (cannot be undone)"
          checked={draft.makeReadOnly}
          onChange={(value) => update('makeReadOnly', value)}
        />
      )}
      <ErrorText error={errorFor('readOnly')} />
      <ErrorText error={formError} />
      <FormButtons submit="Save changes" busy={busy}>
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </FormButtons>
    </form>
  );
}
