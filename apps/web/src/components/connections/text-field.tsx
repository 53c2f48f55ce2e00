import { type ReactNode, useId } from 'react';

type Props = {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  /** The server's message for this field: shown under it and announced. */
  error?: string | null;
  hint?: string;
  type?: 'text' | 'password';
  multiline?: boolean;
  placeholder?: string;
  required?: boolean;
};

/** A labelled input (or textarea) with its hint or error beneath, tied to it by aria-describedby. */
export function TextField({ label, value, onChange, error, hint, type = 'text', multiline, placeholder, required }: Props) {
  const id = useId();
  const noteId = `${id}-note`;
  const note = error || hint;
  const shared = {
    id,
    value,
    placeholder,
    required,
    className: type === 'password' || multiline ? 'mono' : undefined,
    autoComplete: 'off',
    spellCheck: false,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': note ? noteId : undefined,
  } as const;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...shared} rows={4} onChange={(event) => onChange(event.target.value)} />
      ) : (
        <input {...shared} type={type} onChange={(event) => onChange(event.target.value)} />
      )}
      {error ? (
        <span id={noteId} className="field-error" role="alert">
          {error}
        </span>
      ) : (
        hint && (
          <span id={noteId} className="hint">
            {hint}
          </span>
        )
      )}
    </div>
  );
}
