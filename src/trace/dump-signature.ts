import { shapeKey } from './eager-cache.js';
import { isPlainObject, signatureKey, tracingKey, type TracingKeyed } from './signature.js';
import { Tensor } from './tensor.js';
import { Variable } from './variable.js';

/**
 * The structure behind a signature key, kept in the dump so a retrace can say which part of
 * the arguments changed (`args[0].shape: [8,4] → [2,5]`), not only that the key string did.
 * It mirrors `signatureKey`: what the key distinguishes, this describes.
 */
export type SignatureNode =
  | { readonly kind: 'tensor'; readonly dtype: string; readonly shape: readonly number[] }
  | { readonly kind: 'variable'; readonly id: number; readonly name: string; readonly dtype: string; readonly shape: readonly number[] }
  | { readonly kind: 'value'; readonly type: string; readonly value: string }
  | { readonly kind: 'array'; readonly items: readonly SignatureNode[] }
  | { readonly kind: 'object'; readonly entries: Readonly<Record<string, SignatureNode>> }
  /** An object keyed by its own `tracingKey` method. */
  | { readonly kind: 'keyed'; readonly key: SignatureNode }
  /** Any other object: keyed by identity, as tf.function does. */
  | { readonly kind: 'identity'; readonly className: string; readonly key: string };

/** One difference between two signatures, at an argument path such as `args[0].shape`. */
export interface SignatureChange {
  readonly path: string;
  readonly from: string;
  readonly to: string;
}

export function describeSignature(value: unknown): SignatureNode {
  if (value instanceof Variable) return { kind: 'variable', id: value.id, name: value.name, dtype: value.dtype, shape: [...value.shape] };
  if (value instanceof Tensor) return { kind: 'tensor', dtype: value.dtype, shape: [...value.shape] };
  if (value === null) return { kind: 'value', type: 'null', value: 'null' };
  switch (typeof value) {
    case 'number': return { kind: 'value', type: 'number', value: Object.is(value, -0) ? '-0' : String(value) };
    case 'string': return { kind: 'value', type: 'string', value: JSON.stringify(value) };
    case 'boolean': case 'undefined': case 'bigint': return { kind: 'value', type: typeof value, value: String(value) };
    case 'symbol': case 'function': return { kind: 'identity', className: typeof value, key: signatureKey(value) };
  }
  const own = (value as Partial<TracingKeyed>)[tracingKey];
  if (typeof own === 'function') return { kind: 'keyed', key: describeSignature(own.call(value)) };
  if (Array.isArray(value)) return { kind: 'array', items: value.map(describeSignature) };
  if (isPlainObject(value)) {
    const entries: Record<string, SignatureNode> = {};
    for (const k of Object.keys(value).sort()) entries[k] = describeSignature(value[k]);
    return { kind: 'object', entries };
  }
  const className = (value as object).constructor?.name ?? 'Object';
  return { kind: 'identity', className, key: signatureKey(value) };
}

const shortDtype: Record<string, string> = { float32: 'f32', int32: 'i32', bool: 'bool' };

/** A compact form: `f32[8,4]`, `@dense/kernel`, `3`, `[f32[2], "a"]`, `{lr: 0.1}`. */
export function formatSignature(node: SignatureNode): string {
  switch (node.kind) {
    case 'tensor': return `${shortDtype[node.dtype] ?? node.dtype}[${shapeKey(node.shape)}]`;
    case 'variable': return `@${node.name}`;
    case 'value': return node.value;
    case 'array': return `[${node.items.map(formatSignature).join(', ')}]`;
    case 'object': return `{${Object.entries(node.entries).map(([k, v]) => `${k}: ${formatSignature(v)}`).join(', ')}}`;
    case 'keyed': return `key(${formatSignature(node.key)})`;
    case 'identity': return `<${node.className} ${node.key}>`;
  }
}

/** The argument list as the function saw it: `(f32[8,4], 2)`. */
export function formatArguments(args: SignatureNode): string {
  return args.kind === 'array' ? `(${args.items.map(formatSignature).join(', ')})` : formatSignature(args);
}

function kindName(node: SignatureNode): string {
  switch (node.kind) {
    case 'tensor': return 'tensor';
    case 'variable': return 'variable';
    case 'value': return node.type;
    case 'array': return 'array';
    case 'object': return 'object';
    case 'keyed': return 'keyed object';
    case 'identity': return node.className;
  }
}

/** Every part of `to` that differs from `from`, by argument path. Empty when the signatures match. */
export function diffSignatures(from: SignatureNode, to: SignatureNode, path = 'args'): SignatureChange[] {
  const change = (p: string, a: string, b: string): SignatureChange[] => [{ path: p, from: a, to: b }];
  if (from.kind !== to.kind) return change(path, `${kindName(from)} ${formatSignature(from)}`, `${kindName(to)} ${formatSignature(to)}`);
  switch (from.kind) {
    case 'tensor': case 'variable': {
      const t = to as typeof from;
      const out: SignatureChange[] = [];
      if (from.kind === 'variable' && from.id !== (t as { id: number }).id) return change(path, `variable @${from.name}`, `variable @${(t as { name: string }).name}`);
      if (from.dtype !== t.dtype) out.push(...change(`${path}.dtype`, from.dtype, t.dtype));
      if (shapeKey(from.shape) !== shapeKey(t.shape)) out.push(...change(`${path}.shape`, `[${shapeKey(from.shape)}]`, `[${shapeKey(t.shape)}]`));
      return out;
    }
    case 'value': {
      const t = to as typeof from;
      return from.type !== t.type || from.value !== t.value ? change(path, from.value, t.value) : [];
    }
    case 'array': {
      const t = to as typeof from;
      if (from.items.length !== t.items.length) return change(`${path}.length`, String(from.items.length), String(t.items.length));
      return from.items.flatMap((item, i) => diffSignatures(item, t.items[i]!, `${path}[${i}]`));
    }
    case 'object': {
      const t = to as typeof from;
      const a = Object.keys(from.entries);
      const b = Object.keys(t.entries);
      if (a.join('\u0000') !== b.join('\u0000')) return change(`${path} keys`, `{${a.join(', ')}}`, `{${b.join(', ')}}`);
      return a.flatMap((k) => diffSignatures(from.entries[k]!, t.entries[k]!, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`));
    }
    case 'keyed': return diffSignatures(from.key, (to as typeof from).key, `${path}.[kiln.tracingKey]`);
    case 'identity': {
      const t = to as typeof from;
      return from.key !== t.key ? change(path, `${from.className} object #${from.key.slice(1)}`, `another ${t.className} object #${t.key.slice(1)}`) : [];
    }
  }
}

/** Why trace `n` happened: the earlier trace whose signature is nearest, and what changed from it. */
export interface RetraceExplanation {
  /** The index of the earlier trace compared against. */
  readonly comparedTo: number;
  readonly changes: readonly SignatureChange[];
}

export function explainRetrace(earlier: readonly SignatureNode[], current: SignatureNode): RetraceExplanation | undefined {
  let best: RetraceExplanation | undefined;
  earlier.forEach((sig, i) => {
    const changes = diffSignatures(sig, current);
    if (!best || changes.length < best.changes.length) best = { comparedTo: i, changes };
  });
  return best;
}
