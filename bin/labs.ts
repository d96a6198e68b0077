#!/usr/bin/env -S node --import tsx
import { closeOpenSessions, runCli } from '../labs/cli';
import { targetFor } from '../labs/targets';

// The SDK version is pinned by the lockfile; its notice that releases after January 2027 need Node 22
// would otherwise open every lab run's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Ctrl-C or a kill mid-lab still releases the session (emulators, pollers) before exiting.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    void closeOpenSessions().finally(() => process.exit(code));
  });
}

// A reader that closed the pipe early (`labs --help | head`) wants no more output: end as the lab
// would have, after releasing the session, instead of crashing on the write.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  void closeOpenSessions().finally(() => process.exit(process.exitCode ?? 0));
});

void runCli(process.argv, { targetFor }).then((code) => {
  process.exitCode = code;
  // Everything is closed by now; should a stray handle keep the loop alive, do not hang the shell.
  setTimeout(() => process.exit(code), 2000).unref();
});
