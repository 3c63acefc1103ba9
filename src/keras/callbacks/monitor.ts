import { KilnError } from '../../api/index.js';
import type { CallbackModel } from './callback.js';

export type MonitorMode = 'auto' | 'min' | 'max';

export function checkMode(mode: string, op: string): MonitorMode {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new KilnError(`mode must be 'auto', 'min' or 'max', got '${mode}'`, { op });
  return mode;
}

/**
 * Whether a monitored quantity should go down ('min') or up ('max'). In mode 'auto', as
 * Keras: losses go down; a compiled metric's direction decides; else names with 'acc' go up.
 * `otherwise` is what remains: Keras's EarlyStopping raises, its ModelCheckpoint picks 'min'.
 */
export function monitorDirection(monitor: string, mode: MonitorMode, model: CallbackModel | null, otherwise: 'min' | 'error', op: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  const name = monitor.startsWith('val_') ? monitor.slice(4) : monitor;
  if (name === 'loss' || name.endsWith('_loss')) return 'min';
  const metric = model?.metrics?.find((m) => m.name === name && m.direction);
  if (metric) return metric.direction === 'up' ? 'max' : 'min';
  if (name.includes('acc') || name.startsWith('fmeasure')) return 'max';
  if (otherwise === 'min') return 'min';
  throw new KilnError(`cannot tell whether monitor '${monitor}' should be maximized or minimized; pass mode: 'max' or mode: 'min'`, { op });
}
