import { bytesPerElement } from '../../ir/index.js';
import type { Variable } from '../../api/index.js';
import { formatShape, type Shape } from './keras-tensor.js';
import type { Layer } from './layer.js';
import type { Model } from './model.js';

/** 50240 → '50,240'. */
export function withCommas(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Bytes as Keras prints them: '198.79 KB' (powers of 1024). */
export function readableBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(2)} ${units[unit]}`;
}

function outputShapeOf(layer: Layer): string {
  const shapes = layer.inboundNodes.map((n) => n.outputs.map((t) => formatShape(t.shape)).join(', '));
  if (new Set(shapes).size > 1) return 'multiple';
  const shape = layer.outputShape;
  if (!shape) return '?';
  return Array.isArray(shape[0]) ? (shape as Shape[]).map(formatShape).join(', ') : formatShape(shape as Shape);
}

function paramCount(layer: Layer): string {
  const n = layer.weights.reduce((s, v) => s + v.size, 0);
  return layer.built || n > 0 ? withCommas(n) : '0 (unbuilt)';
}

function countWithBytes(vars: readonly Variable[]): string {
  const n = vars.reduce((s, v) => s + v.size, 0);
  const bytes = vars.reduce((s, v) => s + v.size * bytesPerElement(v.dtype), 0);
  return `${withCommas(n)} (${readableBytes(bytes)})`;
}

/** A box-drawn table; `right` marks right-aligned columns. */
function table(header: readonly string[], rows: readonly (readonly string[])[], minWidths: readonly number[], right: readonly boolean[]): string {
  const widths = header.map((h, i) => Math.max(minWidths[i] ?? 0, h.length, ...rows.map((r) => r[i]!.length)) + 2);
  const rule = (l: string, fill: string, mid: string, r: string) => l + widths.map((w) => fill.repeat(w)).join(mid) + r;
  const line = (cells: readonly string[], edge: string) => edge + cells.map((c, i) => ` ${right[i] ? c.padStart(widths[i]! - 2) : c.padEnd(widths[i]! - 2)} `).join(edge) + edge;
  const out = [rule('┏', '━', '┳', '┓'), line(header, '┃'), rule('┡', '━', '╇', '┩')];
  rows.forEach((r, i) => {
    if (i > 0) out.push(rule('├', '─', '┼', '┤'));
    out.push(line(r, '│'));
  });
  out.push(rule('└', '─', '┴', '┘'));
  return out.join('\n');
}

/**
 * The model's summary as Keras 3 prints it: one row per layer (name and type, output shape,
 * parameters; and, for functional models that are not a plain chain, the calls feeding it),
 * then total, trainable and non-trainable parameter counts with their sizes.
 */
export function summarize(model: Model): string {
  const layers = model.layers;
  const graph = model.graph;
  const connected = graph !== null && !graph.isChain;
  const header = ['Layer (type)', 'Output Shape', 'Param #', ...(connected ? ['Connected to'] : [])];
  const rows = layers.map((l) => [
    `${l.name} (${l.constructor.name})`,
    outputShapeOf(l),
    paramCount(l),
    ...(connected ? [graph.connections(l).join(', ') || '-'] : []),
  ]);
  const body = rows.length > 0 ? table(header, rows, [31, 22, 13, 20], [false, false, true, false]) : '(no layers)';
  return [
    `Model: "${model.name}"`,
    body,
    ` Total params: ${countWithBytes(model.weights)}`,
    ` Trainable params: ${countWithBytes(model.trainableWeights)}`,
    ` Non-trainable params: ${countWithBytes(model.nonTrainableWeights)}`,
  ].join('\n');
}
