/**
 * A Transport that runs commands on this machine through `sh -c`: the same semantics as SSH
 * (timeout, bounded output, stdin, never throwing on failure), for fast tests and local use.
 */
import { spawn } from 'node:child_process';
import { copyFile, chmod } from 'node:fs/promises';
import { OutputCollector } from './output.js';
import { DEFAULT_MAX_OUTPUT_BYTES, type ExecOptions, type ExecResult, type Transport } from './types.js';

export interface LocalTransportOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export class LocalTransport implements Transport {
  private closed = false;

  constructor(private readonly options: LocalTransportOptions = {}) {}

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new Error('LocalTransport is closed'));
    const started = performance.now();
    const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const stdout = new OutputCollector(limit, options.onStdout);
    const stderr = new OutputCollector(limit, options.onStderr);
    let timedOut = false;

    return new Promise<ExecResult>((resolve) => {
      // Its own process group, so a timeout kills what the shell started too, not only the shell.
      const child = spawn('sh', ['-c', command], {
        cwd: this.options.cwd,
        env: this.options.env ?? process.env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const timer =
        options.timeoutMs !== undefined && options.timeoutMs > 0
          ? setTimeout(() => {
              timedOut = true;
              killGroup();
            }, options.timeoutMs)
          : undefined;
      const onAbort = (): void => killGroup();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) killGroup();

      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      // A command that does not read its stdin must not fail us with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin);

      const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve({
          command,
          stdout: stdout.text(),
          stderr: stderr.text() + (spawnError ? `clawfix: could not start sh: ${spawnError.message}\n` : ''),
          exitCode,
          signal,
          durationMs: Math.round(performance.now() - started),
          timedOut,
          truncated: stdout.truncated || stderr.truncated,
        });
      };
      child.on('error', (error) => finish(null, null, error));
      child.on('close', (code, signal) => finish(code, signal));
    });
  }

  /** A plain copy; the result is 0600 like an SFTP download. */
  async download(remotePath: string, localPath: string): Promise<void> {
    await copyFile(remotePath, localPath);
    await chmod(localPath, 0o600);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
