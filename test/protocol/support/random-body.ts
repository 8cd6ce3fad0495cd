// Random message bodies for a schema at one version: every field present in the version gets a random
// value of its type (null sometimes where nullable), absent or tagged-but-default fields get the default,
// so decode(encode(body)) must deep-equal body.
import { defaultValue, inVersions, type FieldDef, type MessageSchema } from '../../../src/protocol/schema.js';

export class Rng {
  constructor(private s: number) {}
  next(): number {
    // mulberry32
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
}

const WORDS = ['', 'a', 'topic-1', 'rafka', 'ünïcødé', '日本語', '🙂 emoji', '__consumer_offsets', 'x'.repeat(300)];

function scalar(t: string, rng: Rng): unknown {
  switch (t) {
    case 'int8':
      return rng.int(-128, 127);
    case 'int16':
      return rng.int(-32768, 32767);
    case 'uint16':
      return rng.int(0, 65535);
    case 'int32':
      return rng.int(-2147483648, 2147483647);
    case 'uint32':
      return rng.int(0, 4294967295);
    case 'int64':
      return BigInt.asIntN(64, (BigInt(rng.int(0, 0xffffffff)) << 32n) | BigInt(rng.int(0, 0xffffffff)));
    case 'float64':
      return rng.next() * 1e6 - 5e5;
    case 'bool':
      return rng.bool();
    case 'string':
      return WORDS[rng.int(0, WORDS.length - 1)];
    case 'bytes':
    case 'records':
      return rng.bytes(rng.int(0, 40));
    case 'uuid': {
      const h = rng.bytes(16).toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
  }
  throw new Error(t);
}

const SCALARS = new Set(['int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'bool', 'string', 'bytes', 'records', 'uuid']);

function value(f: FieldDef, v: number, rng: Rng, depth: number): unknown {
  if (inVersions(f.nullableVersions, v) && rng.bool(0.2)) return null;
  if (f.type.startsWith('[]')) {
    const et = f.type.slice(2);
    const n = depth > 3 ? 0 : rng.int(0, 3);
    const a: unknown[] = [];
    for (let i = 0; i < n; i++) a.push(SCALARS.has(et) ? scalar(et, rng) : struct(f.fields ?? [], v, rng, depth + 1));
    return a;
  }
  if (SCALARS.has(f.type)) return scalar(f.type, rng);
  return struct(f.fields ?? [], v, rng, depth + 1);
}

export function struct(fields: readonly FieldDef[], v: number, rng: Rng, depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    const present = inVersions(f.versions, v);
    o[f.name] = present && !(inVersions(f.taggedVersions, v) && rng.bool(0.3)) ? value(f, v, rng, depth) : defaultValue(f, v);
  }
  return o;
}

export function randomBody(schema: MessageSchema, version: number, rng: Rng): Record<string, unknown> {
  return struct(schema.fields, version, rng);
}
