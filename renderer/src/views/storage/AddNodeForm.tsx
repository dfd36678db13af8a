import { useId, useState, type FormEvent } from 'react';
import { Field } from '../../components/Field.js';
import { actionKeys } from '../../store/action-keys.js';
import { useApp } from '../../store/store-context.js';

export function AddNodeForm() {
  const addLocalNode = useApp((s) => s.addLocalNode);
  const busy = useApp((s) => actionKeys.addNode in s.pending);
  const error = useApp((s) => s.errors[actionKeys.addNode]);
  const [path, setPath] = useState('');
  const [announcement, setAnnouncement] = useState('');
  const headingId = useId();

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setAnnouncement('');
    const result = await addLocalNode(path.trim());
    if (result.ok) {
      setPath('');
      setAnnouncement(`Node ${result.value.id} added.`);
    }
  };

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Add a local node</h2>
      <form aria-label="Add local node" className="form" onSubmit={(event) => void submit(event)} noValidate>
        <Field
          label="Folder path"
          error={error?.message}
          hint="An absolute path on this machine, e.g. /mnt/backup-disk/grid. It is created if missing."
        >
          {(props) => (
            <input
              {...props}
              type="text"
              spellCheck={false}
              value={path}
              onChange={(e) => setPath(e.target.value)}
            />
          )}
        </Field>
        <div className="button-row">
          <button type="submit" className="button-primary" disabled={busy}>
            Add node
          </button>
        </div>
        <p role="status" className="status-text">
          {announcement}
        </p>
      </form>
    </section>
  );
}
