import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { EagerCache, shapeKey } from '../../src/trace/eager-cache.js';

describe('EagerCache', () => {
  const f32 = (shape: number[]) => kiln.zeros(shape);

  it('finds an entry by backend, op, attributes, dtypes and shapes, whatever array objects hold the shapes', () => {
    const cache = new EagerCache<string>();
    cache.set('cpu', 'add', {}, [f32([2, 3]), f32([3])], 'add f32[2,3] f32[3]');
    expect(cache.get('cpu', 'add', {}, [f32([2, 3]), f32([3])])).toBe('add f32[2,3] f32[3]');
    expect(cache.get('cpu', 'add', {}, [f32([3]), f32([2, 3])])).toBeUndefined();
    expect(cache.get('cpu', 'add', {}, [f32([2, 3]), kiln.zeros([3], 'int32')])).toBeUndefined();
    expect(cache.get('cpu', 'sub', {}, [f32([2, 3]), f32([3])])).toBeUndefined();
    expect(cache.get('wasm', 'add', {}, [f32([2, 3]), f32([3])])).toBeUndefined();
    expect(cache.get('cpu', 'add', {}, [f32([2, 3])])).toBeUndefined();
  });

  it('keys attributes by value', () => {
    const cache = new EagerCache<string>();
    cache.set('cpu', 'sum', { axes: [0], keepDims: false }, [f32([2, 3])], 'sum 0');
    expect(cache.get('cpu', 'sum', { axes: [0], keepDims: false }, [f32([2, 3])])).toBe('sum 0');
    expect(cache.get('cpu', 'sum', { axes: [1], keepDims: false }, [f32([2, 3])])).toBeUndefined();
    expect(cache.get('cpu', 'sum', { axes: [0], keepDims: true }, [f32([2, 3])])).toBeUndefined();
  });

  it('tells shapes apart that would join alike', () => {
    expect(shapeKey([])).toBe('');
    expect(shapeKey([1, 23])).not.toBe(shapeKey([12, 3]));
    const cache = new EagerCache<string>();
    cache.set('cpu', 'neg', {}, [f32([])], 'scalar');
    expect(cache.get('cpu', 'neg', {}, [f32([])])).toBe('scalar');
    expect(cache.get('cpu', 'neg', {}, [f32([1])])).toBeUndefined();
  });
});
