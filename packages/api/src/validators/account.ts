import { z } from 'zod';
import { plainText } from './text.ts';

/** How an e-mail address is compared and stored: trimmed, lower-cased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const emailInput = plainText('email')
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ error: 'email must be a valid e-mail address' }));
export const newPasswordInput = z.string().min(8, 'password must be at least 8 characters').max(200);

export const createUserInput = z.strictObject({
  email: emailInput,
  password: newPasswordInput,
  role: z.enum(['admin', 'user']).default('user'),
});

/** `POST /api/auth/login` and `auth.login`: checked loosely here, the password check decides. */
export const loginInput = z.strictObject({
  email: plainText('email').max(254),
  password: z.string({ error: 'password is required' }).max(200),
});

export const changePasswordInput = z.strictObject({
  current_password: z.string({ error: 'current_password is required' }).max(200),
  new_password: newPasswordInput,
});

export const tokenCreateInput = z.strictObject({
  name: plainText('name').trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters'),
});
export const tokenIdInput = z.strictObject({ id: z.number().int().positive() });
