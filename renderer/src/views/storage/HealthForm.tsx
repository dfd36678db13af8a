import type { HealthAction, HealthTarget } from '@grid-sftp/core/api';
import { useId, useState, type FormEvent } from 'react';
import { ErrorText } from '../../components/ErrorText.js';
import { Field } from '../../components/Field.js';
import { actionKeys } from '../../store/action-keys.js';
import { useApp } from '../../store/store-context.js';

const ACTIONS: readonly { value: HealthAction; label: string }[] = [
  { value: 'check', label: 'Check' },
  { value: 'verify', label: 'Verify' },
  { value: 'repair', label: 'Repair' },
];

export function HealthForm() {
  const accounts = useApp((s) => s.accounts);
  const startHealthJob = useApp((s) => s.startHealthJob);
  const busy = useApp((s) => actionKeys.startJob in s.pending);
  const error = useApp((s) => s.errors[actionKeys.startJob]);
  const [action, setAction] = useState<HealthAction>('check');
  const [targetKind, setTargetKind] = useState<'account' | 'cap'>('account');
  const [account, setAccount] = useState('');
  const [cap, setCap] = useState('');
  const targetName = useId();

  const chosenAccount = account !== '' ? account : (accounts[0]?.name ?? '');
  const target: HealthTarget | null =
    targetKind === 'cap'
      ? cap.trim() === ''
        ? null
        : { cap: cap.trim() }
      : chosenAccount === ''
        ? null
        : { account: chosenAccount };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (target !== null) await startHealthJob(action, target);
  };

  const fieldError = error?.field !== undefined ? error.message : null;
  return (
    <form aria-label="Check health" className="form" onSubmit={(event) => void submit(event)} noValidate>
      <p className="muted">
        Check asks the nodes which shares they hold; Verify also downloads and checks every share; Repair
        makes new shares where too few are left.
      </p>
      <Field label="Action">
        {(props) => (
          <select {...props} value={action} onChange={(e) => setAction(e.target.value as HealthAction)}>
            {ACTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset className="fieldset">
        <legend>Target</legend>
        <label className="choice">
          <input
            type="radio"
            name={targetName}
            checked={targetKind === 'account'}
            onChange={() => setTargetKind('account')}
          />
          An account’s files
        </label>
        <label className="choice">
          <input
            type="radio"
            name={targetName}
            checked={targetKind === 'cap'}
            onChange={() => setTargetKind('cap')}
          />
          A cap
        </label>
        {targetKind === 'account' ? (
          <Field
            label="Account"
            error={fieldError}
            hint={accounts.length === 0 ? 'Add an account first.' : undefined}
          >
            {(props) => (
              <select
                {...props}
                value={chosenAccount}
                disabled={accounts.length === 0}
                onChange={(e) => setAccount(e.target.value)}
              >
                {accounts.map((a) => (
                  <option key={a.name} value={a.name}>
                    {a.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : (
          <Field label="Cap" error={fieldError}>
            {(props) => (
              <input
                {...props}
                type="text"
                spellCheck={false}
                autoComplete="off"
                value={cap}
                onChange={(e) => setCap(e.target.value)}
              />
            )}
          </Field>
        )}
      </fieldset>
      {fieldError === null && <ErrorText error={error} />}
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={busy || target === null}>
          Start
        </button>
      </div>
    </form>
  );
}
