import { useAction } from '../store/use-action.js';
import { ErrorText } from './ErrorText.js';

export interface RowAction {
  /** The button's text. */
  label: string;
  /** Its accessible name, which says which row it acts on (`Retry /docs/a.txt`). */
  name: string;
  danger?: true;
  run: () => Promise<unknown>;
}

/**
 * A row's actions cell: buttons that start the one action kept under `actionKey` (see
 * action-keys.ts), disabled while it runs, and its error beside them.
 */
export function RowActions({ actionKey, actions }: { actionKey: string; actions: readonly RowAction[] }) {
  const { busy, error } = useAction(actionKey);
  return (
    <td className="actions">
      {actions.map((action) => (
        <button
          key={action.label}
          type="button"
          className={action.danger ? 'button-small button-danger' : 'button-small'}
          aria-label={action.name}
          disabled={busy}
          onClick={() => void action.run()}
        >
          {action.label}
        </button>
      ))}
      <ErrorText error={error} />
    </td>
  );
}
