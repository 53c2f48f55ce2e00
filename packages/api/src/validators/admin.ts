import { z } from 'zod';
import { createUserInput, newPasswordInput } from './account.ts';

/** `POST /api/admin/users` and `admin.users.create`: `{ email, password, role }`. */
export const adminUserCreateInput = createUserInput;

const patchFields = {
  disabled: z.boolean({ error: 'disabled must be true or false' }).optional(),
  role: z.enum(['admin', 'user'], { error: "role must be 'admin' or 'user'" }).optional(),
  password: newPasswordInput.optional(),
};
const namesAChange = (patch: { disabled?: boolean; role?: string; password?: string }) =>
  patch.disabled !== undefined || patch.role !== undefined || patch.password !== undefined;
const atLeastOne = { error: 'name at least one of disabled, role, password' };

/** `PATCH /api/admin/users/:id`: what to change; at least one field. */
export const adminUserPatchInput = z.strictObject(patchFields).refine(namesAChange, atLeastOne);

export const adminUserIdInput = z.strictObject({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/** `admin.users.update`: the id and the patch in one object. */
export const adminUserUpdateInput = z
  .strictObject({ id: adminUserIdInput.shape.id, ...patchFields })
  .refine(namesAChange, atLeastOne);
export type AdminUserUpdateInput = z.input<typeof adminUserUpdateInput>;

export const auditListInput = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** The id of the last entry of the previous page: the next page holds older entries. */
  cursor: z.coerce.number().int().positive().optional(),
});
export type AuditListInput = z.input<typeof auditListInput>;
