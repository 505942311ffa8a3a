// Group commit for the statements every send makes (the suppression check, the ledger's read and
// write, a reminder's mark, a batch message's claim): calls that arrive while a statement is in
// flight wait for it and then go together in the next one, so ten sends in flight cost one round
// trip instead of ten. An idle caller runs at once: nothing waits for a timer, and no write is
// delayed beyond the statement ahead of it.

export interface CoalesceOptions<K = unknown> {
  /** Most keys in one statement. */
  maxKeys?: number;
  /** Statements of this kind in flight at once. */
  inFlight?: number;
  /**
   * With several statements in flight: calls of the same `order` value never run in two of them at
   * once, so a later call of a key waits for the statement of its earlier one and never overtakes it.
   */
  order?: (key: K) => string;
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
export function coalesce<K, R>(run: (keys: K[]) => Promise<R[]>, opts: CoalesceOptions<K> = {}): (key: K) => Promise<R> {
  const maxKeys = opts.maxKeys ?? 100;
  const inFlight = opts.inFlight ?? 1;
  const order = opts.order;
  let queue: Waiter<K, R>[] = [];
  let running = 0;
  /** The `order` values of the statements in flight. */
  const busy = new Map<string, number>();

  /** The next statement's calls, in arrival order; with `order`, none whose value is in flight. */
  const take = (): Waiter<K, R>[] => {
    if (!order) {
      const group = queue.slice(0, maxKeys);
      queue = queue.slice(group.length);
      return group;
    }
    const group: Waiter<K, R>[] = [];
    const left: Waiter<K, R>[] = [];
    for (const w of queue) (group.length < maxKeys && !busy.has(order(w.key)) ? group : left).push(w);
    queue = left;
    return group;
  };
  const hold = (group: Waiter<K, R>[], by: 1 | -1) => {
    if (!order) return;
    for (const w of group) {
      const k = order(w.key);
      const n = (busy.get(k) ?? 0) + by;
      if (n) busy.set(k, n);
      else busy.delete(k);
    }
  };

  const pump = () => {
    while (running < inFlight && queue.length) {
      const group = take();
      if (!group.length) return;
      hold(group, 1);
      running++;
      run(group.map((w) => w.key))
        .then((results) => {
          if (results.length !== group.length) throw new Error(`coalesced statement answered ${results.length} results for ${group.length} keys`);
          group.forEach((w, i) => w.resolve(results[i]!));
        })
        .catch((err: unknown) => group.forEach((w) => w.reject(err)))
        .finally(() => {
          running--;
          hold(group, -1);
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
