import { useRef, useState } from 'react';

function selectContents(element: HTMLElement): void {
  const selection = window.getSelection();
  if (selection === null) return;
  const range = document.createRange();
  range.selectNodeContents(element);
  selection.removeAllRanges();
  selection.addRange(range);
}

/** A command to paste into a terminal, with a Copy button (selects the text where the clipboard is refused). */
export function CopyCommand({ label, command }: { label: string; command: string }) {
  const code = useRef<HTMLElement>(null);
  const [status, setStatus] = useState('');

  const copy = async (): Promise<void> => {
    try {
      // Missing outside secure contexts (plain http on another host), hence the fallback.
      if (navigator.clipboard === undefined) throw new Error('no clipboard');
      await navigator.clipboard.writeText(command);
      setStatus('Copied.');
    } catch {
      if (code.current !== null) selectContents(code.current);
      setStatus('Selected: press Ctrl+C to copy.');
    }
  };

  return (
    <div className="copy-command">
      <span className="copy-command-label">{label}</span>
      <code ref={code}>{command}</code>
      <button type="button" className="button-small" aria-label={`Copy ${label}`} onClick={() => void copy()}>
        Copy
      </button>
      <span className="copy-command-status" role="status">
        {status}
      </span>
    </div>
  );
}
