import type { FetchResult, JobSource } from '../core/ports.js';

/**
 * Concurrent reads of the same job share one request: five people pressing Refresh on one card, or
 * a poll pass racing a button, cost SeekrFlow one call. Only in-flight calls are shared; the next
 * call after an answer asks again, so nothing is served stale.
 */
export function coalesceFetches(client: JobSource): JobSource {
  const inFlight = new Map<string, Promise<FetchResult>>();
  return {
    getDataJob(id) {
      const pending = inFlight.get(id);
      if (pending) return pending;
      const request = client.getDataJob(id).finally(() => inFlight.delete(id));
      inFlight.set(id, request);
      return request;
    },
  };
}
