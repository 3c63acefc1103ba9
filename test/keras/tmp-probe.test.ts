import { it, expect } from 'vitest';
import { keras } from '../../src/index.js';
it('probe', async () => {
  let t0 = performance.now();
  const [[a, ay]] = await keras.datasets.mnist.loadData();
  const [[c, cy]] = await keras.datasets.mnist.loadData();
  console.log('loads', performance.now() - t0); t0 = performance.now();
  expect(c).not.toBe(a);
  console.log('notToBe', performance.now() - t0); t0 = performance.now();
  expect(Array.from(cy.dataSync())).toEqual(Array.from(ay.dataSync()));
  console.log('eq', performance.now() - t0); t0 = performance.now();
}, 600000);
