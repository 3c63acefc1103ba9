export { Callback, type CallbackHooks, type CallbackModel, type CallbackParams, type Logs } from './callback.js';
export { CallbackList } from './callback-list.js';
export { History } from './history.js';
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { ModelCheckpoint, type ModelCheckpointOptions } from './model-checkpoint.js';
export { formatPath } from './format-path.js';
export type { MonitorMode } from './monitor.js';
export { LearningRateScheduler, type Schedule } from './learning-rate-scheduler.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
