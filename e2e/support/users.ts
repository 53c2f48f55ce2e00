/** The accounts global-setup creates; each spec signs in as its own so specs never share state. */
export const USERS = {
  alice: { email: 'alice@e2e.test', password: 'alice-password-1' },
  runner: { email: 'runner@e2e.test', password: 'runner-password-1' },
  owner: { email: 'owner@e2e.test', password: 'owner-password-1' },
  other: { email: 'other@e2e.test', password: 'other-password-1' },
  layout: { email: 'layout@e2e.test', password: 'layout-password-1' },
  connector: { email: 'connector@e2e.test', password: 'connector-password-1' },
  reauth: { email: 'reauth@e2e.test', password: 'reauth-password-1' },
} as const;

export type UserKey = keyof typeof USERS;
