// Group commit for the statements every send makes (the suppression check, the ledger's read and
// write, a reminder's mark, a batch message's claim): calls that arrive while a statement is in
// flight wait for it and then go together in the next one, so ten sends in flight cost one round
// trip instead of ten. An idle caller runs at once: nothing waits for a timer, and no write is
// delayed beyond the statement ahead of it.

export interface CoalesceOptions {
  /** Most keys in one statement. */
  maxKeys?: number;
  /** Statements of this kind in flight at once. */
  inFlight?: number;
}

interface Waiter<K, R> {
  key: K;
  resolve(r: R): void;
  reject(err: unknown): void;
}

/**
 * `run(keys)` must answer one result per key, in order. A failure of a statement fails each call
 * that went in it (and only those): each caller handles its own error as it would have alone.
 */
export function coalesce<K, R>(run: (keys: K[]) => Promise<R[]>, opts: CoalesceOptions = {}): (key: K) => Promise<R> {
  const maxKeys = opts.maxKeys ?? 100;
  const inFlight = opts.inFlight ?? 1;
  let queue: Waiter<K, R>[] = [];
  let running = 0;

  const pump = () => {
    while (running < inFlight && queue.length) {
      const group = queue.slice(0, maxKeys);
      queue = queue.slice(group.length);
      running++;
      run(group.map((w) => w.key))
        .then((results) => {
          if (results.length !== group.length) throw new Error(`coalesced statement answered ${results.length} results for ${group.length} keys`);
          group.forEach((w, i) => w.resolve(results[i]!));
        })
        .catch((err: unknown) => group.forEach((w) => w.reject(err)))
        .finally(() => {
          running--;
          pump();
        });
    }
  };

  return (key) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ key, resolve, reject });
      pump();
    });
}
