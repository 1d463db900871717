/**
 * Name globs for team feeds (`name:prod-*`): `*` any run of characters, `?` one character, the rest
 * literal, case-insensitive. Matched by the classic two-pointer walk with one backtrack point, so a
 * hostile pattern or name costs linear-ish time, never the exponential blow-up of a regex built from
 * user text.
 */
export function globMatches(pattern: string, text: string): boolean {
  const p = [...pattern.toLowerCase()];
  const t = [...text.toLowerCase()];
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    // A `*` first: facing a `*` of the name, it is still a wildcard, not a literal that leaves no way back.
    if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
