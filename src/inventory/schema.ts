import { z } from 'zod';

/*
 * The hosts file schema. Every value that can reach a remote shell is limited to a safe character
 * set here, and quoted again where it is used: the schema is the first fence, quoting the second.
 */

export const NAME_PATTERN = /^[A-Za-z0-9._-]+$/;
const HOSTNAME_PATTERN = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})|\[?[0-9A-Fa-f:.]+\]?)$/;
export const USER_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const REMOTE_PATH_PATTERN = /^(?:~|\/)(?:[A-Za-z0-9._+@-]|\/)*$/;
/** WhatsApp account ids as clawfix accepts them, from the hosts file, the command line or a host's config. */
export const ACCOUNT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const CONTAINER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const JUMP_PATTERN = /^(?:[A-Za-z_][A-Za-z0-9_.-]*@)?[A-Za-z0-9_.-]+(?::\d{1,5})?$/;

// A host's name is also a local path segment (its journal, its downloaded backups): never "." or "..".
const name = z
  .string()
  .regex(NAME_PATTERN, 'letters, digits, ".", "_" and "-" only')
  .max(128, 'at most 128 characters')
  .refine((value) => !/^\.+$/.test(value), 'a name, not "." or ".."');

/** A hosts-file name as the schema takes it: the only thing a local path under ~/.local/state/clawfix is made of. */
export function isSafeName(value: string): boolean {
  return name.safeParse(value).success;
}

const hostname = z.string().regex(HOSTNAME_PATTERN, 'a hostname, an IP address or an alias from ~/.ssh/config');
const user = z.string().regex(USER_PATTERN, 'a user name (letters, digits, "_", "." and "-", starting with a letter)');
const remotePath = z
  .string()
  .regex(REMOTE_PATH_PATTERN, 'an absolute path or one under ~ (letters, digits, "._+@-" and "/")')
  .refine((path) => !path.split('/').includes('..'), 'a path without ".." segments');
const localPath = z
  .string()
  .min(1)
  .refine((path) => !/[\x00-\x1f]/.test(path), 'a path without control characters');

export const openclawSchema = z.strictObject({
  user: user.optional().describe('the user the OpenClaw gateway runs as, when it is not the SSH user'),
  stateDir: remotePath.optional().describe('OpenClaw state directory (default: ~/.openclaw of that user)'),
  profile: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a profile name (letters, digits, "_" and "-")')
    .optional()
    .describe('named profile: the state lives in ~/.openclaw-<profile>'),
  container: z
    .string()
    .regex(CONTAINER_PATTERN, 'a container name (letters, digits, "_", "." and "-")')
    .optional()
    .describe('Docker/Podman container OpenClaw runs in'),
  account: z
    .string()
    .regex(ACCOUNT_PATTERN, 'an account id (letters, digits, "_" and "-")')
    .optional()
    .describe('WhatsApp account id (default: "default")'),
});

const hostFields = {
  host: hostname.optional().describe('hostname, IP address or ~/.ssh/config alias (default: the name)'),
  port: z.number().int().min(1).max(65535).optional().describe('SSH port (default: ssh config, else 22)'),
  user: user.optional().describe('SSH login user (default: ssh config, else your local user)'),
  identityFile: localPath.optional().describe('private key to log in with (default: ssh-agent and ~/.ssh/id_*)'),
  proxyJump: z
    .union([
      z.string().regex(JUMP_PATTERN, '[user@]host[:port]'),
      z.array(z.string().regex(JUMP_PATTERN, '[user@]host[:port]')).min(1),
    ])
    .optional()
    .describe('jump host(s), as ssh -J: "[user@]bastion[:port]", or a list for several hops'),
  tags: z.array(name).optional().describe('labels to select hosts with @tag'),
  openclaw: openclawSchema.optional().describe('where and as whom OpenClaw runs on the host'),
};

export const hostSchema = z.strictObject({
  name: name.describe('unique name used on the command line'),
  ...hostFields,
});

export const defaultsSchema = z.strictObject(hostFields);

export const hostsFileSchema = z.strictObject({
  defaults: defaultsSchema.optional(),
  hosts: z.array(hostSchema).min(1, 'at least one host'),
});

export type HostEntry = z.infer<typeof hostSchema>;
export type HostDefaults = z.infer<typeof defaultsSchema>;
export type HostsFile = z.infer<typeof hostsFileSchema>;

/** The keys allowed at each level, for "did you mean" suggestions. */
export function allowedKeys(path: readonly PropertyKey[]): string[] {
  const last = path.filter((part) => typeof part === 'string');
  if (path.length === 0) return Object.keys(hostsFileSchema.shape);
  if (last[last.length - 1] === 'openclaw') return Object.keys(openclawSchema.shape);
  if (path[0] === 'defaults') return Object.keys(defaultsSchema.shape);
  return Object.keys(hostSchema.shape);
}
