// Runs `atrest serve` (bin/atrest.js) as a child process on 127.0.0.1 port 0 for the CLI and
// envelope tests: waits for the first stdout line and takes the URL from its end. Not a test file.
import { spawn } from 'node:child_process';
import process from 'node:process';
import { BIN } from '../cli-harness.js';

export function startServe(sandbox, extraArgs = [], extraEnv = {}) {
  const env = { ...process.env, ...sandbox.env, ...extraEnv };
  const listen = extraArgs.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  const child = spawn(process.execPath, [BIN, 'serve', ...listen, ...extraArgs], {
    cwd: sandbox.dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n')) {
        const url = /listening on (https?:\/\/\S+)$/.exec(line)?.[1];
        if (url) resolve(url);
        else reject(new Error(`unexpected first line: ${line}`));
      }
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`atrest serve exited (${code ?? signal}) before listening: ${stderr}`)),
    );
  });
  return {
    child,
    ready,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** Sends a signal and resolves with the exit code/signal. */
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
