export const TIMEZONE_MAX_LENGTH = 50;

// IANA names are ASCII words joined by slashes (`America/Argentina/Buenos_Aires`, `Etc/GMT+5`, `UTC`).
// Intl alone also accepts offsets such as `+05:30`, which are not zones and have no DST rules.
const IANA_SHAPE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

const known = new Map<string, boolean>();

/** True for a time-zone name this runtime's ICU knows as an IANA zone (aliases such as `Asia/Calcutta` included). */
export function isValidTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > TIMEZONE_MAX_LENGTH || !IANA_SHAPE.test(name)) return false;
  const cached = known.get(name);
  if (cached !== undefined) return cached;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    valid = true;
  } catch {
    valid = false;
  }
  if (known.size < 2048) known.set(name, valid);
  return valid;
}
