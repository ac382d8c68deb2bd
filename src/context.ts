import type { HostKeyPolicy } from './inventory/types.js';

/** Options every command understands, from the top-level command line. */
export interface GlobalOptions {
  hosts?: string;
  sshConfig?: string;
  hostKeyPolicy?: HostKeyPolicy;
  connectTimeout: number;
  concurrency: number;
  color: boolean;
  verbose: boolean;
  quiet: boolean;
}

export interface CommandContext {
  options: GlobalOptions;
  /** Fires on Ctrl-C; long work checks it and stops cleanly. */
  signal: AbortSignal;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}
