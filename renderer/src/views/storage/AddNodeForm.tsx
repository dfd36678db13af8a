import { useState, type FormEvent } from 'react';
import { FormButtons } from '../../components/FormButtons.js';
import { Panel } from '../../components/Panel.js';
import { StatusText } from '../../components/StatusText.js';
import { TextField } from '../../components/TextField.js';
import { actionKeys } from '../../store/action-keys.js';
import { useApp } from '../../store/store-context.js';
import { useAction } from '../../store/use-action.js';

export function AddNodeForm() {
  const addLocalNode = useApp((s) => s.addLocalNode);
  const { busy, error } = useAction(actionKeys.addNode);
  const [path, setPath] = useState('');
  const [announcement, setAnnouncement] = useState('');

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
    <Panel title="Add a local node">
      <form aria-label="Add local node" className="form" onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          label="Folder path"
          error={error?.message}
          hint="An absolute path on this machine, e.g. /mnt/backup-disk/grid. It is created if missing."
          spellCheck={false}
          value={path}
          onChange={setPath}
        />
        <FormButtons submit="Add node" busy={busy} />
        <StatusText message={announcement} />
      </form>
    </Panel>
  );
}
