import { BOUNDARIES, type BoundaryName } from '../feeds/catalog.ts';
import type { Boundary } from './boundary.ts';
import { financial } from './financial.ts';
import { fulfillment } from './fulfillment.ts';
import { intake } from './intake.ts';
import { inventory } from './inventory.ts';

export const BOUNDARY: Readonly<Record<BoundaryName, Boundary>> = { intake, fulfillment, inventory, financial };

export function isBoundaryName(s: string): s is BoundaryName {
  return (BOUNDARIES as readonly string[]).includes(s);
}

export type { Boundary, FileFacts, GroupOutcome, Scope } from './boundary.ts';
