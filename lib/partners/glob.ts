/**
 * `match.files` globs of the mapping file (SPEC: "The mapping file"): `*` and `?` stay
 * within a path segment, `**` spans segments (a leading `/` included), anything else is
 * literal. A pattern without `/` matches the file's base name. Matched against the path as
 * given to the CLI (`./` and doubled slashes taken out), or the S3 key in the pipeline.
 */
import { posix } from 'node:path';

/** Why a pattern cannot be used, or undefined when it can. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'a file pattern may not be blank';
  for (const segment of pattern.split('/')) {
    if (segment.includes('**') && segment !== '**') return `"**" must be a whole path segment (as in "exports/**/orders.csv"), not part of "${segment}"`;
  }
  if (/[\u0000-\u001f]/.test(pattern)) return 'a file pattern may not hold control characters';
  return undefined;
}

/** A compiled pattern: the test of one path. Call globProblem first. */
export function compileGlob(pattern: string): (path: string) => boolean {
  const base = !pattern.includes('/');
  const segments = pattern.split('/');
  let source = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      // Any number of whole segments (none too), with their slashes; at the end: anything.
      source += last ? '.*' : '(?:.*/)?';
      return;
    }
    for (const ch of segment) {
      if (ch === '*') source += '[^/]*';
      else if (ch === '?') source += '[^/]';
      else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    if (!last) source += '/';
  });
  const re = new RegExp(`^${source}$`, 's');
  return (path) => {
    const p = normalizePath(path);
    return re.test(base ? posix.basename(p) : p);
  };
}

/** `./exports//eu/a.csv` → `exports/eu/a.csv`; Windows separators read as `/`. */
export function normalizePath(path: string): string {
  const p = posix.normalize(path.replace(/\\/g, '/'));
  return p.startsWith('./') ? p.slice(2) : p;
}
