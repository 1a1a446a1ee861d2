/**
 * The process's stop signals, handled the same way by every long-running command: the first
 * SIGTERM or SIGINT asks for a graceful stop (`first`), a second one exits at once with 130
 * (after `second`, which logs it). Returns the function that removes the handlers.
 */
export function onStopSignals(handlers: { first(signal: NodeJS.Signals): void; second(signal: NodeJS.Signals): void }): () => void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count += 1;
    if (count === 1) {
      handlers.first(signal);
      return;
    }
    handlers.second(signal);
    process.exit(130);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
