import * as kiln from '../../api/index.js';
import { KilnError, type DType, type TypedArray, type Variable } from '../../api/index.js';
import type { Layer } from './layer.js';
import { importNodeModule } from '../../ir/index.js';

/**
 * Model weights in the safetensors format: an 8-byte little-endian header length, a JSON
 * header `{ name: { dtype, shape, data_offsets: [begin, end] } }` padded with spaces to a
 * multiple of 8, then the raw little-endian bytes. Names are the weights' paths in the model
 * (`dense_1/kernel`). Node's fs is loaded on use, so the module itself stays browser-safe.
 */

const FORMAT_DTYPES: Readonly<Record<DType, string>> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

interface HeaderEntry {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data_offsets: readonly [number, number];
}

type FsPromises = typeof import('node:fs/promises');

async function fs(op: string): Promise<FsPromises> {
  try {
    return await importNodeModule<FsPromises>('node:fs/promises');
  } catch {
    throw new KilnError('needs Node.js file system access (node:fs), which this environment does not have', { op });
  }
}

/** The weights keyed by unique path, in `weights` order. */
export function namedWeights(layer: Layer): [string, Variable][] {
  const paths = layer.weightPaths();
  const seen = new Set<string>();
  return layer.weights.map((v) => {
    const name = paths.get(v) ?? v.name;
    if (seen.has(name)) throw new KilnError(`two weights share the name '${name}'; give the layers unique names`, { op: 'saveWeights' });
    seen.add(name);
    return [name, v];
  });
}

/** The safetensors bytes of these named weights. */
export async function encodeSafetensors(weights: readonly (readonly [string, Variable])[]): Promise<Uint8Array> {
  const header: Record<string, HeaderEntry | Record<string, string>> = { __metadata__: { format: 'kiln' } };
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const [name, v] of weights) {
    const data = await v.data();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype: FORMAT_DTYPES[v.dtype], shape: [...v.shape], data_offsets: [offset, offset + bytes.byteLength] };
    datas.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const d of datas) { out.set(d, at); at += d.byteLength; }
  return out;
}

/** Parses a safetensors header; a KilnError for anything malformed. */
export function decodeHeader(bytes: Uint8Array, path: string): { entries: Map<string, HeaderEntry>; dataStart: number } {
  const bad = (why: string) => new KilnError(`'${path}' is not a valid safetensors file: ${why}`, { op: 'loadWeights' });
  if (bytes.byteLength < 8) throw bad('it is shorter than 8 bytes');
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (length > bytes.byteLength - 8) throw bad(`its header length ${length} runs past the end of the file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  } catch {
    throw bad('its header is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('its header is not a JSON object');
  const entries = new Map<string, HeaderEntry>();
  const dataLength = bytes.byteLength - 8 - length;
  for (const [name, e] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const entry = e as Partial<HeaderEntry>;
    const offsets = entry?.data_offsets;
    if (!entry || typeof entry.dtype !== 'string' || !Array.isArray(entry.shape) || !Array.isArray(offsets) || offsets.length !== 2
      || !(offsets[0] >= 0 && offsets[0] <= offsets[1] && offsets[1] <= dataLength)) {
      throw bad(`entry '${name}' has no valid dtype, shape and data_offsets within the file`);
    }
    entries.set(name, entry as HeaderEntry);
  }
  return { entries, dataStart: 8 + length };
}

export async function saveWeights(model: Layer, path: string): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new KilnError(`expects a file path, got ${JSON.stringify(path)}`, { op: 'saveWeights' });
  const bytes = await encodeSafetensors(namedWeights(model));
  const f = await fs('saveWeights');
  // Written next to the target and renamed over it: a reader never sees a half-written file.
  const temp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    await f.writeFile(temp, bytes);
    await f.rename(temp, path);
  } catch (e) {
    await f.rm(temp, { force: true });
    throw new KilnError(`could not write '${path}': ${(e as Error).message}`, { op: 'saveWeights' });
  }
}

function typedArray(dtype: DType, bytes: Uint8Array): TypedArray {
  // Copied into a fresh, aligned buffer.
  const copy = bytes.slice().buffer;
  return dtype === 'float32' ? new Float32Array(copy) : dtype === 'int32' ? new Int32Array(copy) : new Uint8Array(copy);
}

export async function loadWeights(model: Layer, path: string): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new KilnError(`expects a file path, got ${JSON.stringify(path)}`, { op: 'loadWeights' });
  const weights = namedWeights(model);
  if (weights.length === 0 && !model.built) {
    throw new KilnError(`model '${model.name}' is not built, so it has no weights to load into; call it on data or build() it first`, { op: 'loadWeights' });
  }
  const f = await fs('loadWeights');
  let file: Uint8Array;
  try {
    file = new Uint8Array(await f.readFile(path));
  } catch (e) {
    throw new KilnError(`could not read '${path}': ${(e as Error).message}`, { op: 'loadWeights' });
  }
  const { entries, dataStart } = decodeHeader(file, path);
  // Every check first: a mismatch anywhere leaves every weight as it was.
  const problems: string[] = [];
  for (const [name, v] of weights) {
    const e = entries.get(name);
    if (!e) { problems.push(`the file has no weight '${name}'`); continue; }
    if (e.dtype !== FORMAT_DTYPES[v.dtype]) problems.push(`'${name}' is ${e.dtype} in the file but ${FORMAT_DTYPES[v.dtype]} (${v.dtype}) in the model`);
    else if (e.shape.join() !== v.shape.join()) problems.push(`'${name}' has shape [${e.shape.join(',')}] in the file but [${v.shape.join(',')}] in the model`);
    else if (e.data_offsets[1] - e.data_offsets[0] !== v.size * (v.dtype === 'bool' ? 1 : 4)) problems.push(`'${name}' has ${e.data_offsets[1] - e.data_offsets[0]} bytes of data, not ${v.size * (v.dtype === 'bool' ? 1 : 4)}`);
  }
  const known = new Set(weights.map(([n]) => n));
  const extra = [...entries.keys()].filter((n) => !known.has(n));
  if (extra.length > 0) problems.push(`the file has weights the model does not: ${extra.map((n) => `'${n}'`).join(', ')}`);
  if (problems.length > 0) throw new KilnError(`'${path}' does not match model '${model.name}': ${problems.join('; ')}`, { op: 'loadWeights' });
  kiln.tidy(() => {
    for (const [name, v] of weights) {
      const e = entries.get(name)!;
      const bytes = file.subarray(dataStart + e.data_offsets[0], dataStart + e.data_offsets[1]);
      v.assign(kiln.tensor(typedArray(v.dtype, bytes), v.shape, v.dtype));
    }
  });
}
