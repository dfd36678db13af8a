import type { AccountInput } from '@grid-sftp/core/api';
import { useId, useState, type FormEvent } from 'react';
import { ErrorText } from '../../components/ErrorText.js';
import { Field } from '../../components/Field.js';
import { fieldOfError, keyLines } from '../../components/form-errors.js';
import { actionKeys } from '../../store/action-keys.js';
import { useApp } from '../../store/store-context.js';

const FIELDS = ['name', 'password', 'publicKeys', 'cap', 'root', 'readOnly'] as const;
type FieldName = (typeof FIELDS)[number];

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
  const busy = useApp((s) => actionKeys.addAccount in s.pending);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [fieldError, setFieldError] = useState<{ field: FieldName | null; message: string } | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const headingId = useId();
  const rootLegendId = useId();

  const update = <K extends keyof Draft>(key: K, value: Draft[K]): void => {
    setDraft((current) => ({ ...current, [key]: value }));
  };
  const errorFor = (...fields: FieldName[]): string | null =>
    fieldError !== null && fieldError.field !== null && fields.includes(fieldError.field)
      ? fieldError.message
      : null;

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setAnnouncement('');
    setFieldError(null);
    const input = toAccountInput(draft);
    const result = await addAccount(input);
    if (result.ok) {
      setDraft(EMPTY);
      setAnnouncement(`Account ${result.value.name} added.`);
    } else {
      setFieldError({ field: fieldOfError(result.error, FIELDS), message: result.error.message });
    }
  };

  const rootError = errorFor('root', 'cap');
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Add an account</h2>
      <form aria-label="Add account" className="form" onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label="Name"
          error={errorFor('name')}
          hint="Letters, digits, dot, dash or underscore: the SFTP user name."
        >
          {(props) => (
            <input
              {...props}
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={draft.name}
              onChange={(e) => update('name', e.target.value)}
            />
          )}
        </Field>
        <Field label="Password" error={errorFor('password')} hint="Leave empty for key login only.">
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="new-password"
              value={draft.password}
              onChange={(e) => update('password', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Public keys"
          error={errorFor('publicKeys')}
          hint="One OpenSSH public key per line, e.g. ssh-ed25519 AAAA… you@laptop"
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
        <fieldset
          className="fieldset"
          aria-describedby={rootError !== null ? `${rootLegendId}-error` : undefined}
        >
          <legend>Root folder</legend>
          <label className="choice">
            <input
              type="radio"
              name="root-kind"
              value="new"
              checked={draft.rootKind === 'new'}
              onChange={() => update('rootKind', 'new')}
            />
            New folder
          </label>
          <label className="choice">
            <input
              type="radio"
              name="root-kind"
              value="cap"
              checked={draft.rootKind === 'cap'}
              onChange={() => update('rootKind', 'cap')}
            />
            Existing cap
          </label>
          {draft.rootKind === 'cap' ? (
            <Field
              label="Cap"
              error={rootError}
              hint="A directory write cap, or a read cap for a read-only account."
            >
              {(props) => (
                <input
                  {...props}
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  value={draft.cap}
                  onChange={(e) => update('cap', e.target.value)}
                />
              )}
            </Field>
          ) : (
            rootError !== null && (
              <p className="error-text" id={`${rootLegendId}-error`} role="alert">
                {rootError}
              </p>
            )
          )}
        </fieldset>
        <label className="choice">
          <input
            type="checkbox"
            checked={draft.readOnly}
            onChange={(e) => update('readOnly', e.target.checked)}
          />
          Read-only
        </label>
        {errorFor('readOnly') !== null && <ErrorText error={errorFor('readOnly')} />}
        {fieldError !== null && fieldError.field === null && <ErrorText error={fieldError.message} />}
        <div className="button-row">
          <button type="submit" className="button-primary" disabled={busy}>
            Add account
          </button>
        </div>
        <p role="status" className="status-text">
          {announcement}
        </p>
      </form>
    </section>
  );
}
