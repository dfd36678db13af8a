import { useEffect, useRef, useState } from 'react';
import { ErrorText } from '../../components/ErrorText.js';
import { actionKeys } from '../../store/action-keys.js';
import { useApp } from '../../store/store-context.js';
import { useAction } from '../../store/use-action.js';

/** Remove, then an inline "Remove alice? Confirm / Cancel" step; Cancel takes focus as the safe choice. */
export function RemoveAccount({ name }: { name: string }) {
  const key = actionKeys.removeAccount(name);
  const removeAccount = useApp((s) => s.removeAccount);
  const { busy, error } = useAction(key);
  const clearError = useApp((s) => s.clearError);
  const [confirming, setConfirming] = useState(false);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const removeButton = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  useEffect(() => {
    if (confirming) cancelButton.current?.focus();
    else if (wasConfirming.current) removeButton.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const control = !confirming ? (
    <button
      ref={removeButton}
      type="button"
      className="button-small button-danger"
      aria-label={`Remove ${name}`}
      onClick={() => {
        clearError(key);
        setConfirming(true);
      }}
    >
      Remove
    </button>
  ) : (
    <div className="confirm" role="group" aria-label={`Confirm removing ${name}`}>
      <span>Remove {name}?</span>
      <button
        type="button"
        className="button-small button-danger"
        disabled={busy}
        onClick={() =>
          void removeAccount(name).then((result) => {
            if (!result.ok) setConfirming(false);
          })
        }
      >
        Confirm
      </button>
      <button ref={cancelButton} type="button" className="button-small" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </div>
  );
  return (
    <div className="remove-account">
      {control}
      <ErrorText error={error} />
    </div>
  );
}
