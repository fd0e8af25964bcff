/** Who an API key speaks for (docs/api.md "Auth"). */
import * as z from 'zod';

export const Role = z.enum(['admin', 'project', 'telephony']);
export type Role = z.infer<typeof Role>;
