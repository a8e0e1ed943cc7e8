/**
 * The config file, validated with zod: a bad one is a clear CONFIG_INVALID naming the file
 * and the path of the value. Loaded only when a config is given (the defaults are in
 * config.ts), so a run without one does not load zod.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { parseDecimal } from './decimal.ts';
import { PARTNER_NAME_PATTERN } from './engine/binding.ts';
import { ErrorCodes, ReconError } from './errors.ts';
import { DEFAULT_LIMITS, MAX_KEY_BYTES, MAX_ROW_BYTES } from './limits.ts';
import { formatPath, loadMappingFile, parseMappingFile } from './partners/mapping-file.ts';
import type { Mapping } from './partners/mapping.ts';
import { amazonTotalProblem } from './partners/types.ts';
import { BOUNDARIES, FEED_NAMES, FEEDS, type FeedName } from './feeds/catalog.ts';

/** `26h`, `1d`, `1d12h` (lib/report/feed-health.ts DURATION_PATTERN; kept here so the schema loads no report code). */
const durationText = z.string().regex(/^(?:\d{1,6}[mhd])+$/, 'must be a duration like "26h", "90m", "1d" or "1d12h"');

/** Feed health (lib/report/feed-health.ts), per canonical feed. */
const feedSettings = z
  .object({
    /** A file is expected at least this often; longer without one is `feed_late`. */
    expectEvery: durationText.optional(),
    /** `feed_shrunk` when a drop's rows fall by more than this share of the previous drop's (default 0.5). */
    shrinkShare: z.number().min(0).max(1).optional(),
    /**
     * `snapshot` (each drop is the whole state of its side: a key absent from the newest snapshot
     * is absent) or `incremental` (upserts; the default). Inventory feeds are always snapshots
     * (docs/data-model.md, lib/boundaries/snapshot.ts).
     */
    mode: z.enum(['snapshot', 'incremental']).optional(),
  })
  .strict();

/** When a boundary's run summary is published (lib/notify/decide.ts). */
const notifySettings = z
  .object({
    /** `always`; `changes` (new or resolved discrepancies, new feed warnings; the default); `threshold`. */
    mode: z.enum(['always', 'changes', 'threshold']),
    /** threshold: publish when the run has at least this many new discrepancies. */
    minNew: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    /** threshold: publish when the money at risk in any one currency is at least this (decimal text). */
    minMoneyAtRisk: z.union([z.string(), z.number()]).transform((v, ctx) => {
      const r = parseDecimal(String(v));
      if (!r.ok || r.value < 0n) {
        ctx.addIssue({ code: 'custom', message: r.ok ? 'must not be negative' : r.reason });
        return z.NEVER;
      }
      return String(v).trim();
    }).optional(),
  })
  .strict()
  .superRefine((n, ctx) => {
    if (n.mode === 'threshold' && n.minNew === undefined && n.minMoneyAtRisk === undefined) {
      ctx.addIssue({ code: 'custom', message: 'mode "threshold" needs minNew or minMoneyAtRisk' });
    }
    if (n.mode !== 'threshold' && (n.minNew !== undefined || n.minMoneyAtRisk !== undefined)) {
      ctx.addIssue({ code: 'custom', message: `minNew and minMoneyAtRisk apply to mode "threshold" only, not "${n.mode}"` });
    }
  });

const decimalText = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const r = parseDecimal(String(v));
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.reason });
      return z.NEVER;
    }
    if (r.value < 0n) {
      ctx.addIssue({ code: 'custom', message: 'a tolerance cannot be negative' });
      return z.NEVER;
    }
    return r.value;
  });

/** A facility or location ID the config gives a preset: a key value, so trimmed, not blank, no control characters. */
const facilityText = z
  .string()
  .min(1)
  .max(200)
  .refine((v) => v === v.trim(), 'must not start or end with spaces')
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not hold control characters');
const count = (min: number) => z.number().int().min(min).max(Number.MAX_SAFE_INTEGER);

const bindingList = z.array(z.string().trim().min(1, 'must not be empty').max(1024)).max(10_000);
const partnerSchema = z
  .object({
    name: z.string().regex(PARTNER_NAME_PATTERN, 'must be 1-48 of a-z, 0-9, ".", "_", "-", starting with a letter or digit'),
    /** Channel names this partner may report (case-insensitive), or "*". */
    channels: bindingList.optional(),
    /** Facility / location IDs this partner may report (exact), or "*". */
    facilities: bindingList.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    tolerances: z
      .object({
        /** Money difference (absolute, per order and kind) still counted as a match. */
        money: decimalText.default(0n),
        /** Inventory on-hand difference still counted as a match (units). */
        inventory: decimalText.default(0n),
        /** Fulfillment shipped-vs-allocated difference still counted as a match (units). */
        fulfillment: decimalText.default(0n),
      })
      .strict()
      .prefault({}),
    fulfillment: z
      .object({
        /** Hours after `allocated_at` after which an allocated line with no shipment is `not_shipped`. */
        slaHours: z.number().positive().optional(),
        /** "Now" for the SLA check (ISO timestamp); default the time of the run. */
        now: z.string().datetime({ offset: true }).optional(),
      })
      .strict()
      .prefault({}),
    intake: z
      .object({
        /** Compare order totals (when both sides carry one). */
        compareTotal: z.boolean().default(true),
        /** Compare currencies (when both sides carry one). */
        compareCurrency: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    timestamps: z
      .object({
        /**
         * Hours a timestamp may lie in the future of the run (clocks drift, time zones are
         * mislabelled); a later one rejects its row. A count dated 2062 must not win forever.
         */
        futureSkewHours: z.number().min(0).max(24 * 366).default(24),
      })
      .strict()
      .prefault({}),
    presets: z
      .object({
        /** How an Amazon order report gives an order total: not at all (presence only), or a sum of item columns. */
        amazonTotal: z
          .string()
          .superRefine((v, ctx) => {
            const problem = amazonTotalProblem(v);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .default('none'),
        /** The facility_id of the stock in an Amazon "Manage FBA Inventory" report (it has no facility column). */
        amazonFbaFacility: facilityText.default('amazon-fba'),
        /** The location_id of every shipment in a ShipStation export (it names no warehouse per row). */
        shipstationLocation: facilityText.default('shipstation'),
      })
      .strict()
      .prefault({}),
    /** What one file, line, number or row may cost, and how many rejected rows and warnings are kept in memory (lib/limits.ts). */
    limits: z
      .object({
        fileBytes: count(1).default(DEFAULT_LIMITS.fileBytes),
        lineChars: count(1024).default(DEFAULT_LIMITS.lineChars),
        numberDigits: count(16).default(DEFAULT_LIMITS.numberDigits),
        keyBytes: count(16).max(MAX_KEY_BYTES, `at most ${MAX_KEY_BYTES}: the key values share DynamoDB's 1,024-byte sort key with the file's version`).default(DEFAULT_LIMITS.keyBytes),
        rowBytes: count(1024).max(MAX_ROW_BYTES, `at most ${MAX_ROW_BYTES}: a row must fit a 400 KB DynamoDB item`).default(DEFAULT_LIMITS.rowBytes),
        keptRejected: count(1).default(DEFAULT_LIMITS.keptRejected),
        keptWarnings: count(1).default(DEFAULT_LIMITS.keptWarnings),
      })
      .strict()
      .prefault({}),
    /** User column mappings for partner exports, inline (docs/feeds.md has the format). */
    mappings: z.array(z.unknown()).default([]),
    /** A mapping file (docs/feeds.md), relative to the config file. */
    mappingFile: z.string().min(1).optional(),
    /** Partner binding (lib/engine/binding.ts): the channels / facilities each partner folder may report. */
    partners: z.array(partnerSchema).default([]).superRefine((ps, ctx) => {
      const seen = new Set<string>();
      for (const [i, p] of ps.entries()) {
        if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `partner ${p.name} is listed twice` });
        seen.add(p.name);
      }
    }),
    /** Rows of files under no partner folder: `allow` (default) or `reject`. */
    unboundFiles: z.enum(['allow', 'reject']).default('allow'),
    /** Per canonical feed: feed health (`{ "shipments": { "expectEvery": "26h", "shrinkShare": 0.5 } }`) and its `mode`. */
    feeds: z
      .partialRecord(z.enum(FEED_NAMES), feedSettings)
      .superRefine((fs, ctx) => {
        for (const [feed, f] of Object.entries(fs)) {
          if (f?.mode === 'incremental' && FEEDS[feed as FeedName].boundary === 'inventory') {
            ctx.addIssue({ code: 'custom', path: [feed, 'mode'], message: `${feed} holds inventory counts: it is always a snapshot feed` });
          }
        }
      })
      .default({}),
    /** Per boundary, when a run's summary is published: `{ "financial": { "mode": "threshold", "minNew": 5 } }` (default mode `changes`). */
    notify: z.partialRecord(z.enum(BOUNDARIES), notifySettings).default({}),
  })
  .strict();

export type ReconConfig = Omit<z.output<typeof configSchema>, 'mappings'> & { mappings: Mapping[] };
export type ReconConfigInput = z.input<typeof configSchema>;

export function parseConfig(input: unknown, source = 'config'): ReconConfig {
  const r = configSchema.safeParse(input ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path.length ? formatPath(issue.path) : '(top level)';
    throw new ReconError(ErrorCodes.CONFIG_INVALID, `invalid config at ${path}: ${issue.message}`, { file: source }, { cause: r.error });
  }
  return { ...r.data, mappings: parseMappingFile({ mappings: r.data.mappings }, source) };
}

/** Reads, parses and validates a config file (and the mapping file it names). */
export async function loadConfigFile(file: string): Promise<ReconConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ReconError(ErrorCodes.FILE_UNREADABLE, `cannot read config file: ${(e as Error).message}`, { file }, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ReconError(ErrorCodes.CONFIG_INVALID, `config is not valid JSON: ${(e as Error).message}`, { file }, { cause: e });
  }
  const config = parseConfig(json, file);
  if (config.mappingFile) {
    config.mappings = [...config.mappings, ...loadMappingFile(resolve(dirname(file), config.mappingFile))];
  }
  return config;
}

