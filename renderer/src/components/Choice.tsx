/** A checkbox named by the text beside it. */
export function Checkbox({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="choice">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}

/** One radio button of the group `name`, named by the text beside it. */
export function Radio({
  name,
  label,
  value,
  checked,
  onSelect,
}: {
  name: string;
  label: string;
  value?: string;
  checked: boolean;
  onSelect: () => void;
}) {
  return (
    <label className="choice">
      <input type="radio" name={name} value={value} checked={checked} onChange={onSelect} />
      {label}
    </label>
  );
}
