// The platform's zone list, with current IANA names. V8 (Node 20, older Chrome) still lists some zones
// under names IANA has since replaced (ICU's canonical ids), so "Kolkata" or "Kyiv" would not be found.
// Both names are valid everywhere (the server and croner accept aliases); the list shows the current one.
const CURRENT_NAMES: Record<string, string> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Dacca': 'Asia/Dhaka',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Asia/Thimbu': 'Asia/Thimphu',
  'Asia/Ulan_Bator': 'Asia/Ulaanbaatar',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

export function currentZoneName(name: string): string {
  return CURRENT_NAMES[name] ?? name;
}

/** The older name of a zone, if it had one, so a search for "Calcutta" still finds Asia/Kolkata. */
export function formerZoneName(name: string): string | undefined {
  return Object.keys(CURRENT_NAMES).find((former) => CURRENT_NAMES[former] === name);
}

export function browserTimeZone(): string {
  return currentZoneName(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
}

/** Every IANA zone the platform knows, plus UTC and any extra names (such as the alias a schedule uses). */
export function listTimeZones(extra: string[] = []): string[] {
  const supported = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([...supported.map(currentZoneName), 'UTC', ...extra.filter(Boolean)])].sort();
}
