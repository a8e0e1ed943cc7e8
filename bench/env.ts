/** A bench's knob from the environment: `fallback` when unset or empty, else a positive number (a whole one when `integer`), or it stops naming the variable. */
export function positiveEnv(name: string, fallback: number, { integer = false } = {}): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!(integer ? Number.isInteger(n) : Number.isFinite(n)) || n <= 0) throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got "${v}"`);
  return n;
}
