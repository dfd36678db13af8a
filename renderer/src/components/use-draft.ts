import { useCallback, useState } from 'react';

/** A form's values as one object: `update` sets one of them, `reset` goes back to `initial`. */
export function useDraft<D extends object>(initial: D) {
  const [draft, setDraft] = useState<D>(initial);
  const update = useCallback(<K extends keyof D>(key: K, value: D[K]): void => {
    setDraft((current) => ({ ...current, [key]: value }));
  }, []);
  const reset = useCallback(() => setDraft(initial), [initial]);
  return { draft, update, reset };
}
