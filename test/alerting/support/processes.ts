import { spawn, type ChildProcess } from 'node:child_process';
export { freePort } from '../../helpers/free-port.js';

/** A child process whose output is kept (the tail) for failure messages. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last ~20 kB of stdout and stderr. */
  log(): string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(name: string, command: string, args: readonly string[]): ManagedProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (err) => keep(Buffer.from(`\n[spawn error] ${err.message}\n`)));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  return {
    name,
    child,
    log: () => log,
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 250, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}\n${context()}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
