/**
 * Retention (docs/data-model.md, "Retention"). Every item the pipeline writes carries `ttl`
 * (epoch seconds) = its creation + the retention days, the same days the S3 lifecycle keeps
 * the objects the item names (`runs/`, `rejected/`), which S3 expires no sooner (creation +
 * days, rounded up to the next midnight UTC). DynamoDB deletes an expired item some time
 * after its `ttl` (typically within a few days), not at once: readers skip an item whose
 * `ttl` has passed, so what a run sees does not depend on when the deletion happens.
 */

/** The `ttl` of an item created at `now` that lives `days` days. */
export function expiresAt(now: Date | string, days: number): number {
  const ms = typeof now === 'string' ? Date.parse(now) : now.getTime();
  return Math.floor(ms / 1000) + Math.round(days * 86_400);
}

/** False once an item's `ttl` (epoch seconds) has passed at `now`; an item without one lives on. */
export function isLive(ttl: number | undefined, now: Date = new Date()): boolean {
  return ttl === undefined || ttl * 1000 > now.getTime();
}
