/** What the rest of clawfix knows about a host once the hosts file and ~/.ssh/config are merged. */

export interface OpenclawTarget {
  /** The service user OpenClaw runs as, when it differs from the SSH user. */
  user?: string;
  stateDir?: string;
  profile?: string;
  container?: string;
  /** WhatsApp account id; `default` unless the hosts file says otherwise. */
  account: string;
}

export type HostKeyPolicy = 'accept-new' | 'strict';

export interface JumpHost {
  host: string; // the address to connect to (after ssh config HostName)
  port: number;
  user: string;
  identityFiles: string[];
}

export interface ResolvedHost {
  /** Unique name from the hosts file. */
  name: string;
  /** Address to connect to (the hosts file's `host` after ssh config `HostName`). */
  hostname: string;
  port: number;
  user: string;
  /** Keys to offer, in order; explicit ones first. Empty: the default ~/.ssh/id_* keys. */
  identityFiles: string[];
  /** Whether identityFiles came from the hosts file or ssh config (then only they are offered). */
  identitiesOnly: boolean;
  proxyJump: JumpHost[];
  knownHostsFiles: string[];
  hostKeyPolicy: HostKeyPolicy;
  tags: string[];
  openclaw: OpenclawTarget;
  /** Where each connection setting came from, for `clawfix hosts` (e.g. port: 'ssh config'). */
  sources: Partial<Record<'hostname' | 'port' | 'user' | 'identityFiles' | 'proxyJump', 'hosts file' | 'ssh config' | 'default'>>;
}
