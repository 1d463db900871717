import type { FetchResult, JobSource, RecheckResult } from '../core/ports/job-source.js';

/**
 * Concurrent reads of the same job share one request: five people pressing Refresh on one card, or
 * a poll that starts while a button's read is on its way, cost SeekrFlow one call (a button pressed
 * while a poll's recheck is on its way reads again: a recheck may bring back no job). Only in-flight
 * calls are shared; the next call after an answer asks again, so nothing is served stale.
 */
export function coalesceFetches(client: JobSource): JobSource {
  const reads = new Map<string, Promise<FetchResult>>();
  const rechecks = new Map<string, Promise<RecheckResult>>();
  const shared = <T>(inFlight: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> => {
    const pending = inFlight.get(key);
    if (pending) return pending;
    const request = start().finally(() => inFlight.delete(key));
    inFlight.set(key, request);
    return request;
  };
  return {
    getDataJob: (id) => shared(reads, id, () => client.getDataJob(id)),
    // A full read already on its way answers a recheck too (a parsed job is never less than "unchanged").
    recheckDataJob: (id, knownHash, lastHash) =>
      reads.get(id) ?? shared(rechecks, `${id}\n${knownHash ?? ''}`, () => client.recheckDataJob(id, knownHash, lastHash)),
  };
}
