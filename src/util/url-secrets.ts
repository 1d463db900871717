/**
 * Secrets that URL settings can carry: credentials before the host (`user:pass@`, or, in an http(s)
 * URL, a lone token as the user; a database URL's lone user is just a name) and secret query parameters (`?password=`, `?sslpassword=`, `?token=`, `?api_key=`, …).
 * `redactUrl` is the URL as people may see it; `urlSecrets` are the values a log scrubber must hide.
 */

/** Query parameter names whose values are secrets. */
const SECRET_PARAM = /pass|pwd|token|secret|key|sig|auth|credential/i;

const REDACTED = 'REDACTED';

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** The query's pairs as written (not re-encoded), with the decoded name. */
function rawPairs(search: string): { raw: string; name: string; value: string }[] {
  if (search.length <= 1) return [];
  return search
    .slice(1)
    .split('&')
    .map((raw) => {
      const eq = raw.indexOf('=');
      return eq < 0 ? { raw, name: decode(raw), value: '' } : { raw, name: decode(raw.slice(0, eq)), value: raw.slice(eq + 1) };
    });
}

/** The credential part before the host that is a secret: the password, or an http(s) URL's lone user (a token). */
function credentialOf(url: URL): { part: 'password' | 'username'; value: string } | null {
  if (url.password) return { part: 'password', value: url.password };
  if (url.username && /^https?:$/.test(url.protocol)) return { part: 'username', value: url.username };
  return null;
}

/** `value` with every credential and secret query value replaced by REDACTED; unreadable text is redacted whole. */
export function redactUrl(value: string): string {
  if (!URL.canParse(value)) return REDACTED;
  const url = new URL(value);
  const credential = credentialOf(url);
  const pairs = rawPairs(url.search);
  const secret = (p: { name: string; value: string }) => SECRET_PARAM.test(p.name) && p.value !== '';
  if (!credential && !pairs.some(secret)) return value;
  if (credential) url[credential.part] = REDACTED;
  if (pairs.some(secret))
    url.search = pairs.map((p) => (secret(p) ? `${p.raw.slice(0, p.raw.indexOf('='))}=${REDACTED}` : p.raw)).join('&');
  return url.toString();
}

/**
 * The secret parts of a URL setting, as written and decoded, and the whole URL when it has any (so
 * that a secret too short to scrub on its own still goes with the URL around it).
 */
export function urlSecrets(value: string | undefined): string[] {
  if (value === undefined || !URL.canParse(value)) return [];
  const url = new URL(value);
  const found: string[] = [];
  const credential = credentialOf(url)?.value;
  if (credential) found.push(credential, decode(credential));
  for (const pair of rawPairs(url.search))
    if (SECRET_PARAM.test(pair.name) && pair.value !== '') found.push(pair.value, decode(pair.value));
  if (found.length > 0) found.push(value, url.toString());
  return [...new Set(found)];
}
