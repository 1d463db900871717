import { JOB_ID_PATTERN } from './job-id.js';

/**
 * Which data job a link points at, for link unfurls and the "Watch this job" shortcut. Pure: the
 * listeners decide what to do with the id. A link counts only when it is http(s), on one of the
 * unfurl domains (or a subdomain: Slack matches those too), carries no credentials, and its path or
 * query holds a whole, valid job id. Anything else is not a job link, so a hostile URL costs nothing.
 */

export interface JobLinkRules {
  /** Hostnames, lower case (`seekr.com`); a link on one of them or on a subdomain of one counts. */
  domains: readonly string[];
  /** SEEKRFLOW_JOB_URL_TEMPLATE (`https://…/data-jobs/{id}`): links of its shape are read first. */
  template?: string | undefined;
}

/** Longer than any link worth reading (Slack's own URL limit is 3,000); refused before parsing. */
const URL_MAX_LENGTH = 3_000;
/** Query parameters that name a job, compared in lower case. */
const QUERY_KEYS = ['job', 'id', 'job_id', 'jobid', 'data_job_id', 'datajobid', 'data_job'];
/** Path segments after which the next segment is the job's id (`/data-jobs/dj-1`). */
const PATH_MARKERS = new Set(['data-jobs', 'data_jobs', 'datajobs', 'data-job', 'jobs', 'job']);
/** Stands for `{id}` while the template is parsed as a URL. */
const PLACEHOLDER = 'datajob0placeholder0id';

/** The job id a link holds, or null when it is not a job link on the given domains. */
export function jobIdInUrl(raw: string, rules: JobLinkRules): string | null {
  const url = parseLink(raw);
  if (!url || !onDomains(url.hostname, rules.domains)) return null;
  return fromTemplate(url, rules.template) ?? fromQuery(url) ?? fromPath(url);
}

function parseLink(raw: string): URL | null {
  if (raw.length > URL_MAX_LENGTH) return null;
  // Slack writes `&` in message links as `&amp;`; the query is read as the person wrote it.
  const text = raw.trim().replaceAll('&amp;', '&');
  if (!URL.canParse(text)) return null;
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  // `https://flow.seekr.com@evil.example/…` names evil.example; credentials have no business in a job link.
  if (url.username !== '' || url.password !== '') return null;
  return url;
}

function onDomains(hostname: string, domains: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}

/** `%2F` or an invalid escape makes a segment that cannot be an id; so does anything JOB_ID_PATTERN refuses. */
function asJobId(candidate: string | null | undefined): string | null {
  if (!candidate || candidate.length > 3 * 128) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(candidate);
  } catch {
    return null;
  }
  return JOB_ID_PATTERN.test(decoded) ? decoded : null;
}

const segments = (url: URL) => url.pathname.split('/').filter((s) => s !== '');

/** The template's shape: the same path with the id where `{id}` is, or the id in the query parameter that holds `{id}`. */
function fromTemplate(url: URL, template: string | undefined): string | null {
  if (!template?.includes('{id}')) return null;
  const filled = template.replaceAll('{id}', PLACEHOLDER);
  if (!URL.canParse(filled)) return null;
  const shape = new URL(filled);
  for (const [key, value] of shape.searchParams) {
    if (value === PLACEHOLDER) return asJobId(url.searchParams.get(key));
  }
  const expected = segments(shape);
  const actual = segments(url);
  if (expected.length !== actual.length) return null;
  let id: string | null = null;
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] === PLACEHOLDER) id = asJobId(actual[i]);
    else if (expected[i] !== actual[i]) return null;
  }
  return id;
}

function fromQuery(url: URL): string | null {
  for (const [key, value] of url.searchParams) {
    if (QUERY_KEYS.includes(key.toLowerCase())) {
      const id = asJobId(value);
      if (id) return id;
    }
  }
  return null;
}

/** `/data-jobs/<id>` (or `/jobs/<id>`, …), else any segment shaped like today's ids, `dj-…`. */
function fromPath(url: URL): string | null {
  const parts = segments(url);
  for (let i = 0; i + 1 < parts.length; i++) {
    if (PATH_MARKERS.has((parts[i] as string).toLowerCase())) {
      const id = asJobId(parts[i + 1]);
      if (id) return id;
    }
  }
  for (const part of parts) {
    if (part.startsWith('dj-')) {
      const id = asJobId(part);
      if (id) return id;
    }
  }
  return null;
}

/**
 * The distinct jobs a list of links points at, in order, at most `max` of them, with every link that
 * points at each (a message may link one job twice). Links past the `max`th job are left out.
 */
export function jobsInLinks(urls: readonly string[], rules: JobLinkRules, max: number): { jobId: string; urls: string[] }[] {
  const jobs = new Map<string, string[]>();
  for (const url of urls) {
    const jobId = jobIdInUrl(url, rules);
    if (jobId === null) continue;
    const known = jobs.get(jobId);
    if (known) known.push(url);
    else if (jobs.size < max) jobs.set(jobId, [url]);
  }
  return [...jobs].map(([jobId, links]) => ({ jobId, urls: links }));
}

/** Slack's message text limit: a longer text is not a message, and is not read further. */
const TEXT_MAX_LENGTH = 40_000;
/** A link as Slack writes it in message text: `<https://…>` or `<https://…|label>`. Linear: no nested quantifiers. */
const SLACK_LINK = /<(https?:\/\/[^<>|\s]+)(?:\|[^<>]*)?>/g;
const BARE_LINK = /https?:\/\/[^\s<>|]+/g;
const CODE_SPAN = /`([^`\s]{1,128})`/g;
const DJ_TOKEN = /(?:^|[\s(])(dj-[A-Za-z0-9_.:-]{1,125})/g;

/**
 * The job a message is about, for "Watch this job": the first job link, else the first id in
 * `code`, else the first word shaped like today's ids (`dj-…`). Opaque ids in plain words are not
 * guessed at: "looks stuck" is not a job.
 */
export function jobIdInText(text: string, rules: JobLinkRules): string | null {
  const head = text.length > TEXT_MAX_LENGTH ? text.slice(0, TEXT_MAX_LENGTH) : text;
  const links = [...head.matchAll(SLACK_LINK)].map((m) => m[1] as string);
  links.push(...[...head.replace(SLACK_LINK, ' ').matchAll(BARE_LINK)].map((m) => m[0]));
  for (const link of links) {
    const id = jobIdInUrl(link, rules);
    if (id) return id;
  }
  const plain = head.replace(SLACK_LINK, ' ');
  for (const m of plain.matchAll(CODE_SPAN)) if (JOB_ID_PATTERN.test(m[1] as string)) return m[1] as string;
  for (const m of plain.matchAll(DJ_TOKEN)) {
    const id = (m[1] as string).replace(/[.:]+$/, '');
    if (JOB_ID_PATTERN.test(id)) return id;
  }
  return null;
}

/**
 * Rules for reading what a person typed or pasted (a look-up, a message they point the shortcut at):
 * a link made from the job link template counts even where links are not unfurled.
 */
export function withTemplateHost(rules: JobLinkRules): JobLinkRules {
  const sample = rules.template?.replaceAll('{id}', 'x');
  if (!sample || !URL.canParse(sample)) return rules;
  const host = new URL(sample).hostname.toLowerCase();
  return rules.domains.includes(host) ? rules : { ...rules, domains: [...rules.domains, host] };
}
