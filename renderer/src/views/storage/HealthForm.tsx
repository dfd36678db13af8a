import type { HealthAction, HealthTarget } from '@grid-sftp/core/api';
import { useId, useState, type FormEvent } from 'react';
import { Radio } from '../../components/Choice.js';
import { ErrorText } from '../../components/ErrorText.js';
import { SelectField, type SelectOption } from '../../components/SelectField.js';
import { TextField } from '../../components/TextField.js';
import { actionKeys } from '../../store/action-keys.js';
import { useApp } from '../../store/store-context.js';
import { useAction } from '../../store/use-action.js';

const ACTIONS: readonly SelectOption<HealthAction>[] = [
  { value: 'check', label: 'Check' },
  { value: 'verify', label: 'Verify' },
  { value: 'repair', label: 'Repair' },
];

export function HealthForm() {
  const accounts = useApp((s) => s.accounts);
  const startHealthJob = useApp((s) => s.startHealthJob);
  const { busy, error } = useAction(actionKeys.startJob);
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
      <SelectField label="Action" options={ACTIONS} value={action} onChange={setAction} />
      <fieldset className="fieldset">
        <legend>Target</legend>
        <Radio
          name={targetName}
          label="An account’s files"
          checked={targetKind === 'account'}
          onSelect={() => setTargetKind('account')}
        />
        <Radio
          name={targetName}
          label="A cap"
          checked={targetKind === 'cap'}
          onSelect={() => setTargetKind('cap')}
        />
        {targetKind === 'account' ? (
          <SelectField
            label="Account"
            error={fieldError}
            hint={accounts.length === 0 ? 'Add an account first.' : undefined}
            options={accounts.map((a) => ({ value: a.name, label: a.name }))}
            value={chosenAccount}
            disabled={accounts.length === 0}
            onChange={setAccount}
          />
        ) : (
          <TextField
            label="Cap"
            error={fieldError}
            spellCheck={false}
            autoComplete="off"
            value={cap}
            onChange={setCap}
          />
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
