/** The accounts global-setup creates; each spec signs in as its own so specs never share state. */
export const USERS = {
  alice: { email: 'alice@e2e.test', password: 'alice-password-1' },
  runner: { email: 'runner@e2e.test', password: 'runner-password-1' },
  owner: { email: 'owner@e2e.test', password: 'owner-password-1' },
  other: { email: 'other@e2e.test', password: 'other-password-1' },
  layout: { email: 'layout@e2e.test', password: 'layout-password-1' },
  connector: { email: 'connector@e2e.test', password: 'connector-password-1' },
  reauth: { email: 'reauth@e2e.test', password: 'reauth-password-1' },
  pages: { email: 'pages@e2e.test', password: 'pages-password-1' },
  keyboard: { email: 'keyboard@e2e.test', password: 'keyboard-password-1' },
  returner: { email: 'returner@e2e.test', password: 'returner-password-1' },
  charts: { email: 'charts@e2e.test', password: 'charts-password-1' },
  backfiller: { email: 'backfiller@e2e.test', password: 'backfiller-password-1' },
  notifier: { email: 'notifier@e2e.test', password: 'notifier-password-1' },
  everywhere: { email: 'everywhere@e2e.test', password: 'everywhere-password-1' },
} as const;

/** The first administrator, made by the server itself from ADMIN_EMAIL/ADMIN_PASSWORD (see global-setup). */
export const ADMIN = { email: 'admin@e2e.test', password: 'admin-password-1' } as const;

export type UserKey = keyof typeof USERS | 'admin';

export function credentialsOf(user: UserKey): { email: string; password: string } {
  return user === 'admin' ? ADMIN : USERS[user];
}
