/**
 * One zod schema per canonical feed, derived from the feed's field specs (catalog.ts) with
 * the same codecs as the fast row decoder (decode.ts); a property test holds the two to the
 * same answers on any cells. Kept apart from the catalog so that a run which only decodes
 * does not load zod (about 70 ms of every start).
 */
import { z } from 'zod';
import { FEED_NAMES, FEEDS, type FeedName } from './catalog.ts';
import { Fail, readField, type FieldSpec, type FieldValue } from './fields.ts';

/** Validates a row given as canonical field name → raw text; outputs typed values. */
export type FeedSchema = z.ZodType<Record<string, FieldValue | undefined>, Record<string, string | undefined>>;

function fieldSchema(name: string, spec: FieldSpec) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): FieldValue | undefined => {
      const t = raw === undefined ? '' : raw.trim();
      if (t === '') {
        if (spec.required) ctx.addIssue({ code: 'custom', message: `${name}: required value is empty` });
        return undefined;
      }
      // eslint-disable-next-line no-control-regex
      if (spec.kind === 'key' && /[\u0000-\u001f\u007f]/.test(t)) {
        ctx.addIssue({ code: 'custom', message: `${name}: control character in key value` });
        return undefined;
      }
      const r = readField(spec, t);
      if (r instanceof Fail) {
        ctx.addIssue({ code: 'custom', message: `${name}: ${r.reason}` });
        return undefined;
      }
      return r;
    });
}

function feedSchema(name: FeedName): FeedSchema {
  const shape = Object.fromEntries(Object.entries(FEEDS[name].fields).map(([f, spec]) => [f, fieldSchema(f, spec)]));
  return z.object(shape) as unknown as FeedSchema;
}

export const FEED_SCHEMAS: Readonly<Record<FeedName, FeedSchema>> = Object.fromEntries(
  FEED_NAMES.map((n) => [n, feedSchema(n)]),
) as Record<FeedName, FeedSchema>;
