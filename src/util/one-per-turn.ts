/**
 * Runs queued work one item a turn of the event loop (each in a setImmediate queued by the last),
 * so that a burst of it does not hold the loop: what waits on I/O (a slash command's request, say)
 * is served between two items. A thread's answers arrive in bursts: every message queued while the
 * loop was busy is handed over in one go, and each one's continuation (a job's commit, its
 * deliveries) would otherwise run back to back.
 */
export function onePerTurn(): (work: () => void) => void {
  const queue: Array<() => void> = [];
  const next = () => {
    try {
      queue.shift()?.();
    } finally {
      // Work that throws must not strand what is queued behind it.
      if (queue.length > 0) setImmediate(next);
    }
  };
  return (work) => {
    queue.push(work);
    if (queue.length === 1) setImmediate(next);
  };
}
