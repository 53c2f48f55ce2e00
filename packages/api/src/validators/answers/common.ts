import { z } from 'zod';
import { ERROR_CODE_NAMES } from '../../errors.ts';
import { serviceInput } from '../schedule.ts';

// The answers of the REST paths, as zod schemas: the services' return types are inferred from them and
// the OpenAPI document is generated from them. Only zod: safe to bundle for the browser.

/** An instant as the API writes it: `Date.toISOString()`, always UTC. */
export const isoTimestamp = z.iso.datetime();
export const nullableTimestamp = isoTimestamp.nullable();
export const serviceJson = serviceInput;

/** `{ success: true, data }`, the envelope of every successful REST answer. */
export const okAnswer = <T extends z.ZodType>(data: T) => z.strictObject({ success: z.literal(true), data });

/** The body every REST error answers with (AppError.toBody). */
export const errorBody = z.strictObject({
  success: z.literal(false),
  error: z.strictObject({
    code: z.enum(ERROR_CODE_NAMES),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;
