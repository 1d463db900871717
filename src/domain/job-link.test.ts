import { describe, expect, it } from 'vitest';
import { jobIdInText, jobIdInUrl, jobsInLinks, withTemplateHost } from './job-link.js';

const ID = 'dj-0b6f1f5e-3a43-4c1e-9d59-2f1d8c7a1a01';
const RULES = { domains: ['seekr.com'], template: 'https://apps.seekr.com/flow/d/{id}/overview' };

describe('jobIdInUrl', () => {
  it.each<[string, string, string | null]>([
    // The template's shape, and what the generic rules read on the same domains.
    ['the template link', `https://apps.seekr.com/flow/d/${ID}/overview`, ID],
    ['the template link with a trailing slash', 'https://apps.seekr.com/flow/d/opaque42/overview/', 'opaque42'],
    ['an opaque id where the template holds it, percent-encoded', 'https://apps.seekr.com/flow/d/job%3A42/overview', 'job:42'],
    ['an opaque id in another shape', 'https://apps.seekr.com/flow/x/opaque42/overview', null],
    ['an opaque id in a longer path', 'https://apps.seekr.com/flow/d/opaque42/overview/more', null],
    ['an opaque id under /data-jobs/', 'https://flow.seekr.com/data-jobs/job-42', 'job-42'],
    ['an opaque id under /jobs/', 'https://flow.seekr.com/v1/jobs/abc_1', 'abc_1'],
    ['a dj- segment anywhere in the path', `https://flow.seekr.com/x/${ID}/files`, ID],
    ['?job=', `https://apps.seekr.com/view?job=${ID}`, ID],
    ['?id=', `https://apps.seekr.com/view?tab=files&id=${ID}`, ID],
    ['?ID= (any case)', `https://apps.seekr.com/view?ID=${ID}`, ID],
    ['?data_job_id=', 'https://apps.seekr.com/view?data_job_id=j1', 'j1'],
    ['Slack’s &amp; in the query', `https://apps.seekr.com/view?tab=files&amp;id=${ID}`, ID],
    ['a subdomain of an unfurl domain', `https://eu.apps.seekr.com/data-jobs/${ID}`, ID],
    ['the host in upper case, with a trailing dot', `https://FLOW.SEEKR.COM./data-jobs/${ID}`, ID],
    ['plain http', `http://flow.seekr.com/data-jobs/${ID}`, ID],
    ['a port', `https://flow.seekr.com:8443/data-jobs/${ID}`, ID],
    // Other domains are ignored, however much they look like ours.
    ['another domain', `https://example.com/data-jobs/${ID}`, null],
    ['a domain that ends like ours', `https://evilseekr.com/data-jobs/${ID}`, null],
    ['our domain as a subdomain of another', `https://seekr.com.evil.example/data-jobs/${ID}`, null],
    ['our domain in the credentials', `https://flow.seekr.com@evil.example/data-jobs/${ID}`, null],
    ['credentials on our domain', `https://user:pw@flow.seekr.com/data-jobs/${ID}`, null],
    ['our link in another site’s query', `https://evil.example/?next=https://flow.seekr.com/data-jobs/${ID}`, null],
    ['a look-alike host (Cyrillic е, punycoded)', `https://flow.sеekr.com/data-jobs/${ID}`, null],
    // Hostile or broken links.
    ['javascript:', `javascript://flow.seekr.com/%0Aalert(1)//data-jobs/${ID}`, null],
    ['data:', `data:text/html,https://flow.seekr.com/data-jobs/${ID}`, null],
    ['not a URL', 'flow.seekr.com/data-jobs/dj-1', null],
    ['an empty string', '', null],
    ['a path that would climb out', 'https://flow.seekr.com/data-jobs/..%2Fadmin', null],
    ['an encoded slash in the id', 'https://flow.seekr.com/data-jobs/dj-1%2F..%2Fadmin', null],
    ['a broken escape', 'https://flow.seekr.com/data-jobs/dj-%E0%A4%A', null],
    ['a NUL in the id', 'https://flow.seekr.com/data-jobs/dj-1%00', null],
    ['only dots', 'https://flow.seekr.com/data-jobs/...', null],
    ['markup in the query', 'https://apps.seekr.com/view?id=%3C!channel%3E', null],
    ['an id over 128 characters', `https://flow.seekr.com/data-jobs/${'a'.repeat(129)}`, null],
    ['a URL over 3,000 characters', `https://flow.seekr.com/data-jobs/${ID}?pad=${'x'.repeat(3_000)}`, null],
    ['our domain with nothing of a job', 'https://flow.seekr.com/pricing', null],
    ['a marker at the end of the path', 'https://flow.seekr.com/data-jobs/', null],
  ])('%s', (_name, url, expected) => {
    expect(jobIdInUrl(url, RULES)).toBe(expected);
  });

  it('reads a template that holds the id in its query', () => {
    const rules = { domains: ['seekr.com'], template: 'https://apps.seekr.com/open?ref={id}&tab=files' };
    expect(jobIdInUrl('https://apps.seekr.com/open?tab=x&ref=j-9', rules)).toBe('j-9');
  });

  it('reads nothing without unfurl domains', () => {
    expect(jobIdInUrl(`https://apps.seekr.com/flow/d/${ID}/overview`, { domains: [] })).toBeNull();
  });

  it('costs next to nothing on a huge hostile URL', () => {
    const huge = `https://flow.seekr.com/${'data-jobs/'.repeat(300_000)}`;
    const started = performance.now();
    expect(jobIdInUrl(huge, RULES)).toBeNull();
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('jobsInLinks', () => {
  it('keeps the first `max` distinct jobs, in order, each with every link to it', () => {
    const urls = Array.from({ length: 8 }, (_, i) => `https://flow.seekr.com/data-jobs/dj-${i}`);
    urls.splice(1, 0, 'https://example.com/data-jobs/dj-x', 'https://apps.seekr.com/view?id=dj-0');
    urls.push('https://apps.seekr.com/view?id=dj-4');
    expect(jobsInLinks(urls, RULES, 5)).toEqual([
      { jobId: 'dj-0', urls: ['https://flow.seekr.com/data-jobs/dj-0', 'https://apps.seekr.com/view?id=dj-0'] },
      { jobId: 'dj-1', urls: ['https://flow.seekr.com/data-jobs/dj-1'] },
      { jobId: 'dj-2', urls: ['https://flow.seekr.com/data-jobs/dj-2'] },
      { jobId: 'dj-3', urls: ['https://flow.seekr.com/data-jobs/dj-3'] },
      { jobId: 'dj-4', urls: ['https://flow.seekr.com/data-jobs/dj-4', 'https://apps.seekr.com/view?id=dj-4'] },
    ]);
  });
});

describe('jobIdInText', () => {
  it.each<[string, string, string | null]>([
    ['a Slack link', `look at <https://apps.seekr.com/view?id=${ID}|this job>`, ID],
    ['a bare link', `https://flow.seekr.com/data-jobs/${ID} is stuck`, ID],
    ['an id in code', 'is `job:42` stuck?', 'job:42'],
    ['a dj- word', `${ID} looks stuck`, ID],
    ['a dj- word ending a sentence', 'stuck again: dj-42.', 'dj-42'],
    ['a job link before an id in code', '`dj-other` see <https://flow.seekr.com/data-jobs/dj-linked>', 'dj-linked'],
    ['a link on another domain, then a dj- word', '<https://example.com/data-jobs/dj-x> dj-y', 'dj-y'],
    ['plain words only', 'this looks stuck', null],
    ['a dj- word inside another word', 'adj-1 is not an id', null],
    ['code that is not an id', '`rm -rf`', null],
  ])('%s', (_name, text, expected) => {
    expect(jobIdInText(text, RULES)).toBe(expected);
  });
});

describe('withTemplateHost', () => {
  it('adds the template’s host to the domains, once', () => {
    const template = 'https://apps.seekr.com/flow/d/{id}/overview';
    expect(withTemplateHost({ domains: [], template }).domains).toEqual(['apps.seekr.com']);
    expect(withTemplateHost({ domains: ['apps.seekr.com'], template }).domains).toEqual(['apps.seekr.com']);
    expect(withTemplateHost({ domains: ['seekr.com'] }).domains).toEqual(['seekr.com']);
    expect(jobIdInUrl('https://apps.seekr.com/flow/d/opaque42/overview', withTemplateHost({ domains: [], template }))).toBe('opaque42');
  });
});
