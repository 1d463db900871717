import type { FetchFailure, JobActions, JobLister, JobSource } from '../core/ports/job-source.js';

/**
 * SeekrFlow's own words reach Slack (a look-up's answer quotes an error body; a thread says why the
 * job's state is unknown), so they pass the same scrubbing as every log line first: an upstream that
 * echoes the API key, or a proxy that quotes the request, shows it to nobody.
 */
export function scrubFailures<S extends JobSource & Partial<JobLister & JobActions>>(source: S, scrub: (text: string) => string): S {
  const clean = <T extends { ok: boolean; failure?: FetchFailure }>(result: T): T =>
    result.ok || !result.failure
      ? result
      : { ...result, failure: { ...result.failure, message: scrub(result.failure.message), detail: scrub(result.failure.detail) } };
  return {
    ...source,
    getDataJob: async (id) => clean(await source.getDataJob(id)),
    recheckDataJob: async (id, knownHash, lastHash) => clean(await source.recheckDataJob(id, knownHash, lastHash)),
    ...(source.listJobs ? { listJobs: async (page) => clean(await (source.listJobs as JobLister['listJobs'])(page)) } : {}),
    ...(source.startAlignment
      ? { startAlignment: async (id) => clean(await (source.startAlignment as JobActions['startAlignment'])(id)) }
      : {}),
    ...(source.cancelAlignment
      ? { cancelAlignment: async (id) => clean(await (source.cancelAlignment as JobActions['cancelAlignment'])(id)) }
      : {}),
  };
}
