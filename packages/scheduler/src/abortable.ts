/** A run stopped by shutdown: released to the queue, not recorded as a failure. */
export class ShutdownAbort extends Error {
  override readonly name = 'ShutdownAbort';
}

/** Settles with the handler, or rejects as soon as the signal aborts (a handler that ignores it is abandoned). */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
