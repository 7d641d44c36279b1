import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Until the returned function is called, SIGINT/SIGTERM end the process at once, by that signal:
 * nothing has been acknowledged yet. Node's default does the same, except as a container's PID 1
 * (the image's `ENTRYPOINT ["node", …]`), where the kernel drops a signal that has no handler and
 * `docker stop` or a pod deletion would wait out its grace period for a SIGKILL.
 */
export function exitOnSignalUntilReady(): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    stop();
    // Without a listener the default action applies again: ends the process by this signal
    // (the exit status a shell or a supervisor expects), except as PID 1, which ignores it.
    process.kill(process.pid, signal);
    process.exit(128 + constants.signals[signal]);
  };
  const stop = (): void => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return stop;
}
