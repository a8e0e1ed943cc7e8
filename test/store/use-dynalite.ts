import { afterAll, beforeAll } from 'vitest';
import { startDynalite, type LocalDynamo } from '../../lib/pipeline/standins.ts';
import { createTable } from '../../lib/store/table.ts';
/**
 * One dynalite for a test file (started before its tests, stopped after) and a fresh table
 * per test, so states never mix.
 */
export function useDynalite(prefix: string): { db: () => LocalDynamo; freshTable: () => Promise<string> } {
  let db: LocalDynamo | undefined;
  let tables = 0;
  beforeAll(async () => {
    db = await startDynalite({ createTable: false });
  });
  afterAll(async () => {
    await db?.stop();
  });
  return {
    db: () => db!,
    async freshTable() {
      const name = `${prefix}-${++tables}`;
      await createTable(db!.client, name);
      return name;
    },
  };
}
