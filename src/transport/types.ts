/** The seam between clawfix and a host: ssh2 in real use, a local shell in fast tests. */

export interface ExecOptions {
  /** Kill the command (and report it as timed out) after this many ms. */
  timeoutMs?: number;
  /** Allocate a pseudo-terminal (needed for interactive remote commands such as a QR login). */
  pty?: boolean | { cols: number; rows: number };
  /** Written to the command's stdin, which is then closed. */
  stdin?: string | Buffer;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Upper bound on the collected stdout and stderr each; the rest is dropped (and `truncated` set). */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  command: string;
  stdout: string;
  stderr: string;
  /** null when the channel closed without an exit status: never to be read as success. */
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
}

export function succeeded(result: ExecResult): boolean {
  return result.exitCode === 0 && !result.timedOut;
}

export interface Transport {
  /** Runs a command through the login user's shell. Never throws because the command failed. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Download a remote file (SFTP) to a local path. */
  download?(remotePath: string, localPath: string): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
