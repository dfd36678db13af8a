import { useDeferredValue, useMemo, useState } from 'react';
import { SelectField, type SelectOption } from '../components/SelectField.js';
import { TextField } from '../components/TextField.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { useApp } from '../store/store-context.js';
import { exportLogs } from './logs/export-logs.js';
import { filterLogs, type LevelFilter } from './logs/log-filter.js';
import { LogList } from './logs/LogList.js';

const LEVELS: readonly SelectOption<LevelFilter>[] = [
  { value: 'all', label: 'All' },
  { value: 'debug', label: 'Debug and above' },
  { value: 'info', label: 'Info and above' },
  { value: 'warn', label: 'Warnings and errors' },
  { value: 'error', label: 'Errors only' },
];

export function Logs() {
  const logs = useApp((s) => s.logs);
  const [level, setLevel] = useState<LevelFilter>('all');
  const [search, setSearch] = useState('');
  // Typing stays responsive while a long list is filtered behind it.
  const deferredSearch = useDeferredValue(search);
  const shown = useMemo(() => filterLogs(logs, level, deferredSearch), [logs, level, deferredSearch]);
  const filtered = level !== 'all' || deferredSearch.trim() !== '';

  return (
    <>
      <ViewHeader title="Logs" />
      <section className="panel">
        <div className="toolbar">
          <SelectField label="Level" options={LEVELS} value={level} onChange={setLevel} />
          <TextField label="Search" type="search" value={search} onChange={setSearch} />
          <div className="toolbar-end">
            <span className="muted">
              {filtered ? `${shown.length} of ${logs.length} entries` : `${logs.length} entries`}
            </span>
            <button type="button" disabled={shown.length === 0} onClick={() => exportLogs(shown)}>
              Export
            </button>
          </div>
        </div>
        <LogList
          entries={shown}
          emptyText={
            logs.length === 0
              ? 'No log entries yet. Logins, uploads and errors appear here as they happen.'
              : 'No entries match. Change the level or clear the search.'
          }
        />
      </section>
    </>
  );
}
