export { Dataset, type MapArgs, type ShuffleOptions } from './dataset.js';
export type { Element } from './element.js';
