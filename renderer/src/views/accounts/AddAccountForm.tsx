import type { AccountInput } from '@grid-sftp/core/api';
import { useId, useState, type FormEvent } from 'react';
import { Checkbox, Radio } from '../../components/Choice.js';
import { ErrorText } from '../../components/ErrorText.js';
import { FormButtons } from '../../components/FormButtons.js';
import { keyLines, useFormError } from '../../components/form-errors.js';
import { Panel } from '../../components/Panel.js';
import { StatusText } from '../../components/StatusText.js';
import { TextField } from '../../components/TextField.js';
import { useDraft } from '../../components/use-draft.js';
import { actionKeys } from '../../store/action-keys.js';
import { useApp } from '../../store/store-context.js';
import { useAction } from '../../store/use-action.js';
import { PublicKeysField } from './PublicKeysField.js';

const FIELDS = ['name', 'password', 'publicKeys', 'cap', 'root', 'readOnly'] as const;

interface Draft {
  name: string;
  password: string;
  publicKeys: string;
  rootKind: 'new' | 'cap';
  cap: string;
  readOnly: boolean;
}

const EMPTY: Draft = { name: '', password: '', publicKeys: '', rootKind: 'new', cap: '', readOnly: false };

export function toAccountInput(draft: Draft): AccountInput {
  const base = {
    name: draft.name.trim(),
    publicKeys: keyLines(draft.publicKeys),
    root:
      draft.rootKind === 'cap' ? { kind: 'cap' as const, cap: draft.cap.trim() } : { kind: 'new' as const },
    readOnly: draft.readOnly,
  };
  return draft.password === '' ? base : { ...base, password: draft.password };
}

export function AddAccountForm() {
  const addAccount = useApp((s) => s.addAccount);
  const { busy } = useAction(actionKeys.addAccount);
  const { draft, update, reset } = useDraft<Draft>(EMPTY);
  const { errorFor, formError, setError } = useFormError(FIELDS);
  const [announcement, setAnnouncement] = useState('');
  const rootLegendId = useId();

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setAnnouncement('');
    setError(null);
    const result = await addAccount(toAccountInput(draft));
    if (result.ok) {
      reset();
      setAnnouncement(`Account ${result.value.name} added.`);
    } else {
      setError(result.error);
    }
  };

  const rootError = errorFor('root', 'cap');
  return (
    <Panel title="Add an account">
      <form aria-label="Add account" className="form" onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          label="Name"
          error={errorFor('name')}
          hint="Letters, digits, dot, dash or underscore: the SFTP user name."
          autoComplete="off"
          spellCheck={false}
          value={draft.name}
          onChange={(value) => update('name', value)}
        />
        <TextField
          label="Password"
          error={errorFor('password')}
          hint="Leave empty for key login only."
          type="password"
          autoComplete="new-password"
          value={draft.password}
          onChange={(value) => update('password', value)}
        />
        <PublicKeysField
          error={errorFor('publicKeys')}
          hint="One OpenSSH public key per line, e.g. ssh-ed25519 AAAA… you@laptop"
          value={draft.publicKeys}
          onChange={(value) => update('publicKeys', value)}
        />
        <fieldset
          className="fieldset"
          aria-describedby={rootError !== null ? `${rootLegendId}-error` : undefined}
        >
          <legend>Root folder</legend>
          <Radio
            name="root-kind"
            label="New folder"
            value="new"
            checked={draft.rootKind === 'new'}
            onSelect={() => update('rootKind', 'new')}
          />
          <Radio
            name="root-kind"
            label="Existing cap"
            value="cap"
            checked={draft.rootKind === 'cap'}
            onSelect={() => update('rootKind', 'cap')}
          />
          {draft.rootKind === 'cap' ? (
            <TextField
              label="Cap"
              error={rootError}
              hint="A directory write cap, or a read cap for a read-only account."
              autoComplete="off"
              spellCheck={false}
              value={draft.cap}
              onChange={(value) => update('cap', value)}
            />
          ) : (
            <ErrorText error={rootError} id={`${rootLegendId}-error`} />
          )}
        </fieldset>
        <Checkbox
          label="Read-only"
          checked={draft.readOnly}
          onChange={(value) => update('readOnly', value)}
        />
        <ErrorText error={errorFor('readOnly')} />
        <ErrorText error={formError} />
        <FormButtons submit="Add account" busy={busy} />
        <StatusText message={announcement} />
      </form>
    </Panel>
  );
}
