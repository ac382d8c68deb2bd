/**
 * The trust boundary for names: every name a host reports (account ids, systemd units, containers,
 * users, pm2 apps, paths) is checked here, where the probe's output is parsed, and comes out as a
 * branded type or not at all. A name that fails is dropped, never repaired: the host is then treated
 * as if it had not said it. Commands that run with more privilege than the OpenClaw user take no
 * name from here without checking it again as the login user (src/fix/commands.ts).
 */
import { z } from 'zod';
import { ACCOUNT_PATTERN, CONTAINER_PATTERN, USER_PATTERN } from '../inventory/schema.js';

export const accountIdSchema = z.string().regex(ACCOUNT_PATTERN).brand<'AccountId'>();
/** OpenClaw's own units (and the clawdbot name it had before): never `poweroff.target`. */
export const systemdUnitSchema = z.string().regex(/^(?:openclaw|clawdbot)[A-Za-z0-9_.@-]{0,64}\.service$/).brand<'SystemdUnit'>();
export const containerNameSchema = z.string().regex(CONTAINER_PATTERN).brand<'ContainerName'>();
export const userNameSchema = z.string().regex(USER_PATTERN).brand<'UserName'>();
/** As the probe already filters them; never an option (`-…`). */
export const pm2AppSchema = z.string().regex(/^[\w@][\w.@-]{0,63}$/).brand<'Pm2App'>();
/** Absolute, no control characters, no `..` segment, of a sane length. */
export const hostPathSchema = z
  .string()
  .max(4096)
  .regex(/^\/[^\x00-\x1f\x7f-\x9f]*$/)
  .refine((path) => !path.split('/').includes('..'))
  .brand<'HostPath'>();

export type AccountId = z.infer<typeof accountIdSchema>;
export type SystemdUnit = z.infer<typeof systemdUnitSchema>;
export type ContainerName = z.infer<typeof containerNameSchema>;
export type UserName = z.infer<typeof userNameSchema>;
export type Pm2App = z.infer<typeof pm2AppSchema>;
export type HostPath = z.infer<typeof hostPathSchema>;

/** The value as its branded type, or null when the host said something that is not such a name. */
export function checked<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | null {
  const result = schema.safeParse(value);
  return result.success ? result.data : null;
}

export function isAccountId(value: string): value is AccountId {
  return accountIdSchema.safeParse(value).success;
}
