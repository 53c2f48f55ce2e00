import { z } from 'zod';

// PostgreSQL cannot store U+0000 in text (SQLSTATE 22021), and a line break or escape in a name ends up
// in logs, spreadsheet tab titles and HTTP headers. The other C0 controls and DEL have no use in a name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this regex's job
const CONTROL = /[\u0000-\u001f\u007f]/;
// A pasted JSON key file is several lines (and may be indented with tabs): only those controls pass.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this regex's job
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A one-line text field: refuses NUL, line breaks and every other control character. */
export const plainText = (name: string) =>
  z.string({ error: `${name} must be a string` }).refine((value) => !CONTROL.test(value), {
    message: `${name} must not contain control characters`,
    abort: true,
  });

/** A multi-line text field (a pasted key file): tabs and line breaks pass, NUL and other controls do not. */
export const multilineText = (name: string) =>
  z.string({ error: `${name} must be a string` }).refine((value) => !CONTROL_BUT_LAYOUT.test(value), {
    message: `${name} must not contain control characters`,
    abort: true,
  });
