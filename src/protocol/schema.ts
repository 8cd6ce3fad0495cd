/**
 * Declarative Kafka message schemas and the codec derived from them.
 *
 * A schema mirrors Kafka's message JSON (clients/src/main/resources/common/message/*.json): a message has a
 * name, an API key, a type, `validVersions`, `flexibleVersions` and a field tree; every field has a camelCase
 * name, a type (`int8`…`int64`, `uint16`, `uint32`, `float64`, `bool`, `string`, `bytes`, `records`, `uuid`,
 * `[]<scalar>`, `[]<Struct>` or `<Struct>` with nested `fields`), `versions`, and optionally `nullableVersions`,
 * `taggedVersions` + `tag`, a field-level `flexibleVersions` override, `ignorable` and `default`.
 * Version ranges use Kafka's syntax: `"3+"`, `"1-4"`, `"5"`, `"none"`.
 *
 * From ONE schema both directions are derived: for each (message, version) pair, on first use, the field
 * tree is compiled into a specialised decoder and encoder (JavaScript source generated with `new Function`,
 * so each struct decodes into a single object literal with a stable shape). Semantics follow Kafka's
 * generated Java code:
 * - decoding fills EVERY field: fields absent from the version (or tagged and not sent) get their default;
 * - encoding accepts partial objects: an `undefined` field is written as its default; a non-default value in a
 *   field the version lacks throws {@link ProtocolEncodeError} unless the field is `ignorable`;
 * - tagged fields are written only when they differ from their default, in tag order; unknown tagged fields
 *   read from the wire are kept in `_unknownTaggedFields` and written back (byte-exact round trips);
 * - `records` and `bytes` decode as zero-copy slices of the input buffer.
 */
import { ProtocolDecodeError, ProtocolEncodeError } from './primitives/errors.js';
import { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';

// ---------------------------------------------------------------------------------------------------------------
// Schema types

export type ScalarType =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

export interface FieldDef {
  readonly name: string;
  readonly type: string;
  readonly versions: string;
  readonly nullableVersions?: string;
  readonly taggedVersions?: string;
  readonly tag?: number;
  readonly flexibleVersions?: string;
  readonly ignorable?: boolean;
  readonly default?: string | number | boolean | null;
  readonly fields?: readonly FieldDef[];
}

export interface MessageSchema {
  readonly name: string;
  readonly apiKey: number;
  readonly type: 'request' | 'response' | 'header';
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldDef[];
}

/** A tagged field the schema does not know, kept verbatim. */
export interface UnknownTaggedField {
  tag: number;
  data: Buffer;
}

// ---------------------------------------------------------------------------------------------------------------
// Type inference: the TypeScript type of a decoded body (every field present) and of an encoder input (every
// field optional, int64 also as number, bytes as any Uint8Array).

interface DecodedScalars {
  int8: number;
  int16: number;
  uint16: number;
  int32: number;
  uint32: number;
  int64: bigint;
  float64: number;
  bool: boolean;
  string: string;
  bytes: Buffer;
  records: Buffer;
  uuid: string;
}
interface InputScalars {
  int8: number;
  int16: number;
  uint16: number;
  int32: number;
  uint32: number;
  int64: bigint | number;
  float64: number;
  bool: boolean;
  string: string;
  bytes: Uint8Array;
  records: Uint8Array;
  uuid: string;
}

type Nullable<F extends FieldDef, V> = F extends { nullableVersions: string }
  ? V | null
  : F['type'] extends 'records'
    ? V | null
    : F extends { default: null }
      ? V | null
      : V;

type DecodedValue<F extends FieldDef> = F['type'] extends `[]${infer E}`
  ? E extends keyof DecodedScalars
    ? DecodedScalars[E][]
    : F extends { fields: infer S extends readonly FieldDef[] }
      ? StructOf<S>[]
      : never
  : F['type'] extends keyof DecodedScalars
    ? DecodedScalars[F['type']]
    : F extends { fields: infer S extends readonly FieldDef[] }
      ? StructOf<S>
      : never;

type InputValue<F extends FieldDef> = F['type'] extends `[]${infer E}`
  ? E extends keyof InputScalars
    ? readonly InputScalars[E][]
    : F extends { fields: infer S extends readonly FieldDef[] }
      ? readonly InputStructOf<S>[]
      : never
  : F['type'] extends keyof InputScalars
    ? InputScalars[F['type']]
    : F extends { fields: infer S extends readonly FieldDef[] }
      ? InputStructOf<S>
      : never;

export type StructOf<S extends readonly FieldDef[]> = {
  [F in S[number] as F['name']]: Nullable<F, DecodedValue<F>>;
} & { _unknownTaggedFields?: UnknownTaggedField[] };

export type InputStructOf<S extends readonly FieldDef[]> = {
  [F in S[number] as F['name']]?: Nullable<F, InputValue<F>> | undefined;
} & { _unknownTaggedFields?: readonly UnknownTaggedField[] | undefined };

/** The decoded body of a message schema. */
export type BodyOf<M extends MessageSchema> = StructOf<M['fields']>;
/** What the encoder of a message schema accepts. */
export type InputOf<M extends MessageSchema> = InputStructOf<M['fields']>;

// ---------------------------------------------------------------------------------------------------------------
// Versions

/** [min, max] inclusive; `none` is [1, 0] (empty). */
export type VersionRange = readonly [number, number];

const rangeCache = new Map<string, VersionRange>();

export function parseVersions(spec: string): VersionRange {
  let r = rangeCache.get(spec);
  if (r) return r;
  const s = spec.trim();
  let m: RegExpMatchArray | null;
  if (s === 'none') r = [1, 0];
  else if ((m = /^(\d+)\+$/.exec(s))) r = [Number(m[1]), Number.MAX_SAFE_INTEGER];
  else if ((m = /^(\d+)-(\d+)$/.exec(s))) r = [Number(m[1]), Number(m[2])];
  else if ((m = /^(\d+)$/.exec(s))) r = [Number(m[1]), Number(m[1])];
  else throw new Error(`Invalid version range ${JSON.stringify(spec)}`);
  rangeCache.set(spec, r);
  return r;
}

export function inVersions(spec: string | undefined, v: number): boolean {
  if (spec === undefined) return false;
  const [lo, hi] = parseVersions(spec);
  return v >= lo && v <= hi;
}

// ---------------------------------------------------------------------------------------------------------------
// Defaults

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const EMPTY = Buffer.alloc(0);
const SCALARS = new Set<string>([
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'bool',
  'string',
  'bytes',
  'records',
  'uuid',
]);

function elementType(f: FieldDef): string | null {
  return f.type.startsWith('[]') ? f.type.slice(2) : null;
}

function isStructType(t: string): boolean {
  return !SCALARS.has(t);
}

/** Kafka's default for a scalar field (explicit `default` or the type's zero). */
function scalarDefault(f: FieldDef): unknown {
  const d = f.default;
  if (d === null) return null;
  switch (f.type) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return d === undefined ? 0 : Number(d);
    case 'int64':
      return d === undefined ? 0n : BigInt(d as number);
    case 'bool':
      return d === undefined ? false : d === true || d === 'true';
    case 'string':
      return d === undefined ? '' : String(d);
    case 'uuid':
      return d === undefined ? ZERO_UUID : String(d);
    case 'bytes':
      return EMPTY;
    case 'records':
      return null;
  }
  throw new Error(`not a scalar: ${f.type}`);
}

/** A fresh default value for any field (arrays and structs are new objects each time). */
export function defaultValue(f: FieldDef, version: number): unknown {
  const et = elementType(f);
  if (et !== null) return f.default === null ? null : [];
  if (isStructType(f.type)) return f.default === null ? null : defaultStruct(f.fields ?? [], version);
  return scalarDefault(f);
}

function defaultStruct(fields: readonly FieldDef[], version: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) o[f.name] = defaultValue(f, version);
  return o;
}

/** Whether `v` equals the field's default (undefined counts as default); structs compare field by field. */
export function isDefault(f: FieldDef, v: unknown): boolean {
  if (v === undefined) return true;
  const et = elementType(f);
  if (et !== null) return f.default === null ? v === null : v !== null && (v as unknown[]).length === 0;
  if (isStructType(f.type)) {
    if (v === null) return f.default === null;
    if (f.default === null) return false;
    const o = v as Record<string, unknown>;
    return (f.fields ?? []).every((sf) => isDefault(sf, o[sf.name]));
  }
  const d = scalarDefault(f);
  if (f.type === 'bytes') return v !== null && (v as Uint8Array).length === 0;
  if (f.type === 'records') return v === null;
  if (f.type === 'int64' && typeof v === 'number') return BigInt(v) === d;
  return v === d;
}

// ---------------------------------------------------------------------------------------------------------------
// Compilation

export interface StructCodec {
  decode(r: Reader): Record<string, unknown>;
  encode(w: Writer, o: Record<string, unknown>): void;
}

type Helpers = unknown[];

function ref(h: Helpers, x: unknown): string {
  h.push(x);
  return `h[${h.length - 1}]`;
}

function literal(h: Helpers, v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  return ref(h, v);
}

interface Ctx {
  version: number;
  flexible: boolean;
  path: string;
}

function fieldFlexible(f: FieldDef, ctx: Ctx): boolean {
  return f.flexibleVersions !== undefined ? inVersions(f.flexibleVersions, ctx.version) : ctx.flexible;
}

/** A JS expression (over `r`) reading one value of field `f`. */
function readExpr(f: FieldDef, ctx: Ctx, h: Helpers): string {
  const nullable = inVersions(f.nullableVersions, ctx.version);
  const flex = fieldFlexible(f, ctx);
  const et = elementType(f);
  if (et !== null) {
    const elemDecode = SCALARS.has(et)
      ? new Function('r', `return ${scalarRead(et, false, flex)};`)
      : compileStruct(f.fields ?? [], { ...ctx, path: `${ctx.path}.${f.name}[]` }).decode;
    return `${ref(h, arrayDecoder(elemDecode as (r: Reader) => unknown, nullable, flex))}(r)`;
  }
  if (SCALARS.has(f.type)) return scalarRead(f.type, nullable, flex);
  const sub = compileStruct(f.fields ?? [], { ...ctx, path: `${ctx.path}.${f.name}` });
  if (nullable) return `(r.int8() < 0 ? null : ${ref(h, sub.decode)}(r))`;
  return `${ref(h, sub.decode)}(r)`;
}

function scalarRead(t: string, nullable: boolean, flex: boolean): string {
  switch (t) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'float64':
    case 'bool':
    case 'uuid':
      return `r.${t}()`;
    case 'string':
      return flex ? (nullable ? 'r.compactNullableString()' : 'r.compactString()') : nullable ? 'r.nullableString()' : 'r.string()';
    case 'bytes':
    case 'records':
      return flex ? (nullable ? 'r.compactNullableBytes()' : 'r.compactBytes()') : nullable ? 'r.nullableBytes()' : 'r.bytes()';
  }
  throw new Error(`unknown scalar ${t}`);
}

function arrayDecoder(elem: (r: Reader) => unknown, nullable: boolean, flex: boolean): (r: Reader) => unknown[] | null {
  if (flex) {
    return (r) => {
      const n = r.compactArrayLength(nullable);
      if (n < 0) return null;
      const a = new Array<unknown>(n);
      for (let i = 0; i < n; i++) a[i] = elem(r);
      return a;
    };
  }
  return (r) => {
    const n = r.arrayLength(nullable);
    if (n < 0) return null;
    const a = new Array<unknown>(n);
    for (let i = 0; i < n; i++) a[i] = elem(r);
    return a;
  };
}

/** JS statements (over `w` and `v`) writing one value of field `f`; `v` may be undefined (= default). */
function writeStmts(f: FieldDef, ctx: Ctx, h: Helpers): string {
  const nullable = inVersions(f.nullableVersions, ctx.version);
  const flex = fieldFlexible(f, ctx);
  const et = elementType(f);
  const where = `${ctx.path}.${f.name} (v${ctx.version})`;
  const nullErr = ref(h, () => {
    throw new ProtocolEncodeError(`${where} is not nullable in this version`);
  });
  const dflt = defaultValue(f, ctx.version);
  const onUndef =
    et !== null
      ? `if (v === undefined) v = ${dflt === null ? 'null' : '[]'};`
      : isStructType(f.type)
        ? `if (v === undefined) v = ${dflt === null ? 'null' : '{}'};`
        : `if (v === undefined) v = ${literal(h, dflt)};`;
  const nullCheck = nullable ? '' : `if (v === null) ${nullErr}();`;
  if (et !== null) {
    let elemEncode: (w: Writer, v: unknown) => void;
    if (SCALARS.has(et)) {
      const ef: FieldDef = { name: `${f.name}[]`, type: et, versions: '0+' };
      elemEncode = new Function('h', `return function(w, v) { ${writeStmts(ef, ctx, h)} };`)(h) as typeof elemEncode;
    } else {
      const sub = compileStruct(f.fields ?? [], { ...ctx, path: `${ctx.path}.${f.name}[]` });
      elemEncode = sub.encode as typeof elemEncode;
    }
    const enc = ref(h, arrayEncoder(elemEncode, flex));
    return `${onUndef} ${nullCheck} ${enc}(w, v);`;
  }
  if (isStructType(f.type)) {
    const sub = compileStruct(f.fields ?? [], { ...ctx, path: `${ctx.path}.${f.name}` });
    const enc = ref(h, sub.encode);
    if (nullable) return `${onUndef} if (v === null) w.int8(-1); else { w.int8(1); ${enc}(w, v); }`;
    return `${onUndef} ${nullCheck} ${enc}(w, v);`;
  }
  switch (f.type) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
    case 'bool':
    case 'uuid':
    case 'int64':
      return `${onUndef} ${nullCheck} w.${f.type}(v);`;
    case 'string':
      return `${onUndef} ${nullCheck} w.${flex ? (nullable ? 'compactNullableString' : 'compactString') : nullable ? 'nullableString' : 'string'}(v);`;
    case 'bytes':
    case 'records':
      return `${onUndef} ${nullCheck} w.${flex ? (nullable ? 'compactNullableBytes' : 'compactBytes') : nullable ? 'nullableBytes' : 'bytes'}(v);`;
  }
  throw new Error(`unknown type ${f.type}`);
}

function arrayEncoder(elem: (w: Writer, v: unknown) => void, flex: boolean): (w: Writer, a: readonly unknown[] | null) => void {
  return (w, a) => {
    if (a === null) {
      if (flex) w.unsignedVarint(0);
      else w.int32(-1);
      return;
    }
    const n = a.length;
    if (flex) w.unsignedVarint(n + 1);
    else w.int32(n);
    for (let i = 0; i < n; i++) elem(w, a[i]);
  };
}

interface TaggedSpec {
  tag: number;
  key: string;
  field: FieldDef;
  write: (w: Writer, v: unknown) => void;
}

function writeTaggedFields(w: Writer, o: Record<string, unknown>, specs: readonly TaggedSpec[]): void {
  const unknown = o._unknownTaggedFields as readonly UnknownTaggedField[] | undefined;
  const out: { tag: number; data: Buffer }[] = [];
  for (const s of specs) {
    const v = o[s.key];
    if (isDefault(s.field, v)) continue;
    const t = new Writer(64);
    s.write(t, v);
    out.push({ tag: s.tag, data: t.finish() });
  }
  if (unknown) for (const u of unknown) out.push(u);
  if (unknown && unknown.length > 0) out.sort((a, b) => a.tag - b.tag);
  w.unsignedVarint(out.length);
  for (const e of out) {
    w.unsignedVarint(e.tag);
    w.unsignedVarint(e.data.length);
    w.raw(e.data);
  }
}

const structCache = new WeakMap<readonly FieldDef[], Map<string, StructCodec>>();

/** Compiles a field list for one version (cached per field list, version and flexibility). */
export function compileStruct(fields: readonly FieldDef[], ctx: Ctx): StructCodec {
  let perVersion = structCache.get(fields);
  if (!perVersion) structCache.set(fields, (perVersion = new Map()));
  const cacheKey = `${ctx.version}/${ctx.flexible}`;
  const cached = perVersion.get(cacheKey);
  if (cached) return cached;

  const v = ctx.version;
  const h: Helpers = [];
  const props: string[] = [];
  const taggedCases: string[] = [];
  const taggedSpecs: TaggedSpec[] = [];
  const encStmts: string[] = [];

  for (const f of fields) {
    const key = JSON.stringify(f.name);
    const present = inVersions(f.versions, v);
    const tagged = present && ctx.flexible && inVersions(f.taggedVersions, v);
    if (!present || tagged) {
      const d = defaultValue(f, v);
      const et = elementType(f);
      const expr =
        et !== null
          ? d === null
            ? 'null'
            : '[]'
          : isStructType(f.type)
            ? d === null
              ? 'null'
              : `${ref(h, () => defaultValue(f, v))}()`
            : literal(h, d);
      props.push(`${key}: ${expr}`);
    }
    if (!present) {
      if (!f.ignorable) {
        const check = ref(h, (val: unknown) => {
          if (!isDefault(f, val)) {
            throw new ProtocolEncodeError(`Attempted to write a non-default ${ctx.path}.${f.name} at version ${v}`);
          }
        });
        encStmts.push(`${check}(o[${key}]);`);
      }
      continue;
    }
    if (tagged) {
      if (f.tag === undefined) throw new Error(`${ctx.path}.${f.name}: tagged field without tag`);
      taggedCases.push(`case ${f.tag}: o[${key}] = ${readExpr(f, { ...ctx, flexible: true }, h)}; break;`);
      const write = new Function('h', `return function(w, v) { ${writeStmts(f, { ...ctx, flexible: true }, h)} };`)(h) as (
        w: Writer,
        v: unknown,
      ) => void;
      taggedSpecs.push({ tag: f.tag, key: f.name, field: f, write });
      continue;
    }
    props.push(`${key}: ${readExpr(f, ctx, h)}`);
    encStmts.push(`v = o[${key}]; ${writeStmts(f, ctx, h)}`);
  }
  taggedSpecs.sort((a, b) => a.tag - b.tag);

  let decSrc = `return function decode(r) {\n  const o = {${props.join(', ')}};\n`;
  if (ctx.flexible) {
    decSrc += `  const nt = r.unsignedVarint();
  for (let i = 0; i < nt; i++) {
    const tag = r.unsignedVarint();
    const size = r.unsignedVarint();
    if (size > r.end - r.pos) r.fail('tagged field ' + tag, 'size ' + size + ' exceeds the ' + (r.end - r.pos) + ' bytes remaining');
    const end = r.pos + size;
    const outer = r.end;
    r.end = end;
    switch (tag) {
      ${taggedCases.join('\n      ')}
      default: (o._unknownTaggedFields ??= []).push({ tag, data: r.buf.subarray(r.pos, end) }); r.pos = end;
    }
    if (r.pos !== end) r.fail('tagged field ' + tag + ' of ' + size + ' bytes', 'its value used ' + (r.pos - end + size) + ' bytes');
    r.end = outer;
  }\n`;
  }
  decSrc += '  return o;\n}';

  let encSrc = `return function encode(w, o) {\n  let v;\n  ${encStmts.join('\n  ')}\n`;
  if (ctx.flexible) {
    if (taggedSpecs.length === 0) {
      encSrc += `  if (o._unknownTaggedFields === undefined || o._unknownTaggedFields.length === 0) w.unsignedVarint(0); else ${ref(h, writeTaggedFields)}(w, o, ${ref(h, taggedSpecs)});\n`;
    } else {
      encSrc += `  ${ref(h, writeTaggedFields)}(w, o, ${ref(h, taggedSpecs)});\n`;
    }
  }
  encSrc += '}';

  const codec: StructCodec = {
    decode: new Function('h', decSrc)(h) as StructCodec['decode'],
    encode: new Function('h', encSrc)(h) as StructCodec['encode'],
  };
  perVersion.set(cacheKey, codec);
  return codec;
}

// ---------------------------------------------------------------------------------------------------------------
// Message codec

export interface MessageCodec<M extends MessageSchema> {
  readonly schema: M;
  readonly minVersion: number;
  readonly maxVersion: number;
  isFlexible(version: number): boolean;
  supports(version: number): boolean;
  /** Reads a body at the reader's position. */
  read(r: Reader, version: number): BodyOf<M>;
  /** Appends a body to the writer. */
  write(w: Writer, version: number, body: InputOf<M>): void;
  /** Decodes a whole buffer; trailing bytes are a ProtocolDecodeError. */
  decode(buf: Buffer, version: number): BodyOf<M>;
  encode(body: InputOf<M>, version: number): Buffer;
}

const codecCache = new WeakMap<MessageSchema, MessageCodec<MessageSchema>>();

export function codecFor<M extends MessageSchema>(schema: M): MessageCodec<M> {
  const hit = codecCache.get(schema);
  if (hit) return hit as unknown as MessageCodec<M>;
  const [minVersion, maxVersion] = parseVersions(schema.validVersions);
  const compiled: StructCodec[] = [];
  const get = (version: number): StructCodec => {
    let c = compiled[version];
    if (c) return c;
    if (!(version >= minVersion && version <= maxVersion)) {
      throw new RangeError(`${schema.name} has no version ${version} (valid ${schema.validVersions})`);
    }
    c = compileStruct(schema.fields, {
      version,
      flexible: inVersions(schema.flexibleVersions, version),
      path: schema.name,
    });
    compiled[version] = c;
    return c;
  };
  const codec: MessageCodec<M> = {
    schema,
    minVersion,
    maxVersion,
    isFlexible: (version) => inVersions(schema.flexibleVersions, version),
    supports: (version) => Number.isInteger(version) && version >= minVersion && version <= maxVersion,
    read: (r, version) => get(version).decode(r) as BodyOf<M>,
    write: (w, version, body) => get(version).encode(w, body as Record<string, unknown>),
    decode(buf, version) {
      const r = new Reader(buf);
      const body = get(version).decode(r) as BodyOf<M>;
      if (r.pos !== r.end) throw new ProtocolDecodeError(`end of ${schema.name} v${version}`, r.pos, `${r.end - r.pos} trailing bytes`);
      return body;
    },
    encode(body, version) {
      const w = new Writer();
      get(version).encode(w, body as Record<string, unknown>);
      return w.finish();
    },
  };
  codecCache.set(schema, codec as unknown as MessageCodec<MessageSchema>);
  return codec;
}
