import type { ReactNode } from 'react';

/** A form's submit button, disabled while `busy`, and any other buttons after it. */
export function FormButtons({
  submit,
  busy,
  children,
}: {
  submit: string;
  busy: boolean;
  children?: ReactNode;
}) {
  return (
    <div className="button-row">
      <button type="submit" className="button-primary" disabled={busy}>
        {submit}
      </button>
      {children}
    </div>
  );
}
