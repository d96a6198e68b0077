// Runs one emulator process and ties its life to the process that started this watchdog.
//
// The starter keeps our stdin open for as long as it lives; when it goes away by any path (normal
// exit, uncaught error, SIGKILL) the pipe closes and we take the emulator down with us, so no
// emulator outlives the command that started it. The emulator's pid is written to fd 3 so the
// starter can also kill it directly.
//
// usage: node watchdog.mjs <command> [args...]   (cwd and env are passed through)
import { spawn } from 'node:child_process';
import { writeSync, closeSync } from 'node:fs';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const KILL_AFTER_MS = 3000;

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS).unref();
  }
}

child.on('spawn', () => {
  try {
    writeSync(3, `${child.pid}\n`);
    closeSync(3);
  } catch {
    // The starter did not open fd 3: nothing to report to.
  }
});
child.on('error', (error) => {
  process.stderr.write(`cannot start ${command}: ${error.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal === 'SIGKILL' ? 137 : 143));
});

process.stdin.on('data', () => undefined);
process.stdin.on('end', () => stop('SIGKILL'));
process.stdin.on('error', () => stop('SIGKILL'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGTERM'));
