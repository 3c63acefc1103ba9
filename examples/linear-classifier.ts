// Chapter 3-6: a linear classifier for houses in the city and in the country. Each house has a
// living area (m²) and a price; city houses are small and dear, rural ones large and cheaper,
// both drawn from bivariate normal distributions (seed 42) in which larger houses cost more.
// Eight strategies are trained with keras (Sequential, fit, EarlyStopping on val_loss with
// restoreBestWeights): {SGD, Adam} × an output (linear, sigmoid, relu, or a hidden layer) ×
// a loss (MSE, binary cross-entropy), and a ninth run adds a price-per-m² feature. It prints a
// table and draws each model's decision regions over the data (Vega-Lite, SVG) in out/linear-classifier/.
// `npx tsx examples/linear-classifier.ts [--quick] [--out DIR]`
import { join } from 'node:path';
import * as kiln from '../src/index.js';
import { printer, runIfMain, type ExampleOptions } from './lib/cli.js';
import { writeChart, type TopLevelSpec } from './lib/vega.js';

const { keras } = kiln;
const { layers, losses, metrics, optimizers, callbacks } = keras;

type Output = 'linear' | 'sigmoid' | 'relu' | 'hidden layer';

export interface Strategy {
  readonly optimizer: 'SGD' | 'Adam';
  readonly output: Output;
  readonly loss: 'MSE' | 'BCE';
  /** Adds price / size as a third feature. */
  readonly ratio?: boolean;
}

export interface StrategyResult {
  readonly name: string;
  readonly strategy: Strategy;
  readonly testAccuracy: number;
  readonly epochs: number;
  readonly chart: string;
}

export interface LinearClassifierResult {
  readonly results: readonly StrategyResult[];
  readonly best: StrategyResult;
  readonly outDir: string;
}

/** The eight strategies, from least squares on 0/1 labels to a small network, then the extra feature. */
export const STRATEGIES: readonly Strategy[] = [
  { optimizer: 'SGD', output: 'linear', loss: 'MSE' },
  { optimizer: 'SGD', output: 'sigmoid', loss: 'MSE' },
  { optimizer: 'SGD', output: 'sigmoid', loss: 'BCE' },
  { optimizer: 'SGD', output: 'relu', loss: 'MSE' },
  { optimizer: 'Adam', output: 'linear', loss: 'MSE' },
  { optimizer: 'Adam', output: 'sigmoid', loss: 'BCE' },
  { optimizer: 'Adam', output: 'relu', loss: 'BCE' },
  { optimizer: 'Adam', output: 'hidden layer', loss: 'BCE' },
  { optimizer: 'Adam', output: 'sigmoid', loss: 'BCE', ratio: true },
];

export const strategyName = (s: Strategy) => `${s.optimizer} · ${s.output} · ${s.loss}${s.ratio ? ' + price/m²' : ''}`;
const fileName = (s: Strategy) => `${s.optimizer}-${s.output}-${s.loss}${s.ratio ? '-ratio' : ''}`.toLowerCase().replace(/\s+/g, '-');

/** A house type: mean and spread of size (m²) and price (€), and how strongly they correlate. */
interface HouseType { readonly size: [number, number]; readonly price: [number, number]; readonly correlation: number }
const CITY: HouseType = { size: [90, 30], price: [400_000, 120_000], correlation: 0.8 };
const RURAL: HouseType = { size: [130, 40], price: [300_000, 100_000], correlation: 0.8 };
const PER_CLASS = 500;
const SEED = 42;

/** Rows [size, price] of one house type from standard normal pairs z: price = μ + σ(ρ z₀ + √(1 − ρ²) z₁). */
function houses(z: kiln.Tensor, type: HouseType): kiln.Tensor {
  const [z0, z1] = [kiln.slice(z, [0, 0], [-1, 1]), kiln.slice(z, [0, 1], [-1, 1])];
  const size = z0.mul(type.size[1]).add(type.size[0]);
  const mixed = z0.mul(type.correlation).add(z1.mul(Math.sqrt(1 - type.correlation ** 2)));
  return kiln.concat([size, mixed.mul(type.price[1]).add(type.price[0])], 1);
}

interface Data {
  /** Raw [size, price] rows, shuffled; labels 1 = city, 0 = rural. */
  readonly raw: kiln.Tensor;
  readonly labels: kiln.Tensor;
  readonly trainCount: number;
}

/** 500 houses of each type, shuffled by a seeded permutation. */
async function makeData(): Promise<Data> {
  const z = kiln.randomNormal([2 * PER_CLASS, 2], { seed: SEED });
  const [zCity, zRural] = [kiln.slice(z, [0, 0], [PER_CLASS, 2]), kiln.slice(z, [PER_CLASS, 0], [PER_CLASS, 2])];
  const raw = kiln.concat([houses(zCity, CITY), houses(zRural, RURAL)], 0);
  const labels = kiln.concat([kiln.ones([PER_CLASS, 1]), kiln.zeros([PER_CLASS, 1])], 0);
  // A seeded shuffle: the order that sorts random keys is a random permutation.
  const keys = await kiln.randomUniform([2 * PER_CLASS], { seed: SEED + 1 }).data();
  const order = kiln.tensor(Int32Array.from(keys.keys()).sort((i, j) => keys[i]! - keys[j]!), [keys.length], 'int32');
  return { raw: kiln.gather(raw, order), labels: kiln.gather(labels, order), trainCount: Math.round(0.8 * 2 * PER_CLASS) };
}

/** The model's inputs: size and price (and price per m²), standardized with the training rows' mean and spread. */
class Features {
  private constructor(readonly mean: kiln.Tensor, readonly std: kiln.Tensor, readonly ratio: boolean) {}

  static fit(trainRaw: kiln.Tensor, ratio: boolean): Features {
    const x = Features.columns(trainRaw, ratio);
    const mean = kiln.mean(x, 0);
    return new Features(mean, kiln.sqrt(kiln.mean(kiln.square(x.sub(mean)), 0)), ratio);
  }

  private static columns(raw: kiln.Tensor, ratio: boolean): kiln.Tensor {
    if (!ratio) return raw;
    const [size, price] = [kiln.slice(raw, [0, 0], [-1, 1]), kiln.slice(raw, [0, 1], [-1, 1])];
    return kiln.concat([raw, price.div(size)], 1);
  }

  of(raw: kiln.Tensor): kiln.Tensor {
    return kiln.tidy(() => Features.columns(raw, this.ratio).sub(this.mean).div(this.std));
  }
}

function buildModel(s: Strategy, inputs: number): kiln.keras.Sequential {
  const input = { inputShape: [inputs] };
  const hidden = s.output === 'hidden layer';
  const activation = hidden ? 'sigmoid' : s.output;
  return new keras.Sequential([
    ...(hidden ? [new layers.Dense(8, { activation: 'relu', ...input })] : []),
    new layers.Dense(1, { activation, ...(hidden ? {} : input) }),
  ]);
}

function compileModel(model: kiln.keras.Sequential, s: Strategy): void {
  model.compile({
    optimizer: s.optimizer === 'SGD' ? new optimizers.SGD({ learningRate: 0.05 }) : new optimizers.Adam({ learningRate: 0.01 }),
    loss: s.loss === 'MSE' ? new losses.MeanSquaredError() : new losses.BinaryCrossentropy(),
    // Accuracy at a threshold of 0.5 suits every output here, linear ones too.
    metrics: [new metrics.BinaryAccuracy({ name: 'accuracy' })],
  });
}

interface HostData { readonly size: Float32Array; readonly price: Float32Array; readonly city: Uint8Array }

async function toHost(raw: kiln.Tensor, labels: kiln.Tensor): Promise<HostData> {
  const xy = await raw.data();
  const y = await labels.data();
  const n = y.length;
  return {
    size: Float32Array.from({ length: n }, (_, i) => xy[2 * i]!),
    price: Float32Array.from({ length: n }, (_, i) => xy[2 * i + 1]!),
    city: Uint8Array.from(y, (v) => (v > 0.5 ? 1 : 0)),
  };
}

const SIZE_RANGE: [number, number] = [20, 240];
const PRICE_RANGE: [number, number] = [50_000, 800_000];
/** Columns and rows of the grid the regions are computed on. */
const GRID: [number, number] = [160, 120];

/** The centers of the grid's cells (raw units), row by row. */
function gridCenters(): kiln.Tensor {
  const [cols, rows] = GRID;
  const centers = new Float32Array(cols * rows * 2);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      centers[2 * k] = SIZE_RANGE[0] + ((j + 0.5) * (SIZE_RANGE[1] - SIZE_RANGE[0])) / cols;
      centers[2 * k + 1] = PRICE_RANGE[0] + ((i + 0.5) * (PRICE_RANGE[1] - PRICE_RANGE[0])) / rows;
    }
  }
  return kiln.tensor(centers, [cols * rows, 2]);
}

interface Region { readonly s0: number; readonly s1: number; readonly p0: number; readonly p1: number; readonly predicted: 'city' | 'rural' }

/** The grid's predictions as rectangles: each row's runs of one class merged into one (a few per row, not 160). */
function regions(predictedCity: ArrayLike<number>): Region[] {
  const [cols, rows] = GRID;
  const ds = (SIZE_RANGE[1] - SIZE_RANGE[0]) / cols;
  const dp = (PRICE_RANGE[1] - PRICE_RANGE[0]) / rows;
  const out: Region[] = [];
  for (let i = 0; i < rows; i++) {
    let start = 0;
    for (let j = 1; j <= cols; j++) {
      const kind = (k: number) => (predictedCity[i * cols + k]! > 0.5 ? 'city' : 'rural');
      if (j < cols && kind(j) === kind(start)) continue;
      const p0 = PRICE_RANGE[0] + i * dp;
      out.push({ s0: SIZE_RANGE[0] + start * ds, s1: SIZE_RANGE[0] + j * ds, p0, p1: p0 + dp, predicted: kind(start) });
      start = j;
    }
  }
  return out;
}

const CLASS_COLORS = { domain: ['city', 'rural'], range: ['#d9480f', '#2b8a3e'] };

/** Decision regions (the model's class on a grid) under the test houses, colored by their class. */
function decisionChart(title: string, predictedCity: ArrayLike<number>, test: HostData): TopLevelSpec {
  const points = Array.from(test.city, (c, i) => ({ size: test.size[i]!, price: test.price[i]!, kind: c ? 'city' : 'rural' }));
  const x = { title: 'living area (m²)', scale: { domain: SIZE_RANGE, nice: false } };
  const y = { title: 'price (€)', scale: { domain: PRICE_RANGE, nice: false }, axis: { format: '~s' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title, width: 420, height: 340, config: { aria: false },
    layer: [
      {
        data: { values: regions(predictedCity) },
        mark: { type: 'rect', opacity: 0.22 },
        encoding: {
          x: { field: 's0', type: 'quantitative', ...x }, x2: { field: 's1' },
          y: { field: 'p0', type: 'quantitative', ...y }, y2: { field: 'p1' },
          color: { field: 'predicted', type: 'nominal', scale: CLASS_COLORS, title: 'class' },
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 28, opacity: 0.85, stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'size', type: 'quantitative', ...x },
          y: { field: 'price', type: 'quantitative', ...y },
          color: { field: 'kind', type: 'nominal', scale: CLASS_COLORS, title: 'class' },
          shape: { field: 'kind', type: 'nominal', title: 'test house' },
        },
      },
    ],
  };
}

export async function main(options: ExampleOptions = {}): Promise<LinearClassifierResult> {
  const log = printer(options);
  const outDir = options.outDir ?? join('out', 'linear-classifier');
  const data = await makeData();
  const n = data.trainCount;
  const total = 2 * PER_CLASS;
  const [trainRaw, testRaw] = [kiln.slice(data.raw, [0, 0], [n, 2]), kiln.slice(data.raw, [n, 0], [total - n, 2])];
  const [trainY, testY] = [kiln.slice(data.labels, [0, 0], [n, 1]), kiln.slice(data.labels, [n, 0], [total - n, 1])];
  const test = await toHost(testRaw, testY);
  const grid = gridCenters();
  log(`${PER_CLASS} city houses (size ~ N(${CITY.size}), price ~ N(${CITY.price}), ρ = ${CITY.correlation}) and ${PER_CLASS} rural ones (size ~ N(${RURAL.size}), price ~ N(${RURAL.price}), ρ = ${RURAL.correlation})`);
  log(`${n} for training (fit holds out the last 20% of them for validation), ${total - n} for testing; features standardized\n`);

  const epochs = options.quick ? 30 : 300;
  const results: StrategyResult[] = [];
  for (const strategy of STRATEGIES) {
    const name = strategyName(strategy);
    const features = Features.fit(trainRaw, strategy.ratio === true);
    const model = buildModel(strategy, strategy.ratio ? 3 : 2);
    compileModel(model, strategy);
    const [xTrain, xTest, xGrid] = [features.of(trainRaw), features.of(testRaw), features.of(grid)];
    const history = await model.fit(xTrain, trainY, {
      epochs, batchSize: 32, validationSplit: 0.2, verbose: 0,
      callbacks: [new callbacks.EarlyStopping({ monitor: 'val_loss', patience: 15, restoreBestWeights: true })],
    });
    const evaluation = await model.evaluate(xTest, testY);
    const predictions = model.predict(xGrid);
    const chart = await writeChart(join(outDir, `${fileName(strategy)}.svg`), decisionChart(`${name}: test accuracy ${evaluation.accuracy!.toFixed(3)}`, await predictions.data(), test));
    kiln.dispose([xTrain, xTest, xGrid, predictions]);
    results.push({ name, strategy, testAccuracy: evaluation.accuracy!, epochs: history.history.loss!.length, chart });
    log(`${name.padEnd(34)} test accuracy ${evaluation.accuracy!.toFixed(3)}  (${history.history.loss!.length} epochs)`);
  }

  const best = results.reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a));
  log('\n| strategy                           | test accuracy | epochs run |');
  log('| ---------------------------------- | ------------- | ---------- |');
  for (const r of results) log(`| ${r.name.padEnd(34)} | ${r.testAccuracy.toFixed(3).padStart(13)} | ${String(r.epochs).padStart(10)} |`);
  log(`\nbest: ${best.name} (${best.testAccuracy.toFixed(3)}); decision regions: ${outDir}/*.svg`);
  return { results, best, outDir };
}

runIfMain(import.meta.url, main);
