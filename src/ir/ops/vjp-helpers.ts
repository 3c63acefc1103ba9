import type { Attrs, GraphBuilder } from '../op-def.js';

/** Small graph-building helpers for VJP rules, generic over the builder's value type. */
export class Grad<V> {
  constructor(readonly b: GraphBuilder<V>) {}

  op(name: string, inputs: readonly V[], attrs: Attrs = {}): V {
    return this.b.op(name, inputs, attrs);
  }
  shape(v: V): readonly number[] {
    return this.b.typeOf(v).shape;
  }
  c(value: number): V {
    return this.b.constant(value, 'float32');
  }
  add(a: V, b: V): V { return this.op('add', [a, b]); }
  sub(a: V, b: V): V { return this.op('sub', [a, b]); }
  mul(a: V, b: V): V { return this.op('mul', [a, b]); }
  div(a: V, b: V): V { return this.op('div', [a, b]); }
  neg(a: V): V { return this.op('neg', [a]); }
  where(c: V, a: V, b: V): V { return this.op('where', [c, a, b]); }
  /** `dy` where `mask` holds, 0 elsewhere. */
  mask(mask: V, dy: V): V { return this.where(mask, dy, this.c(0)); }
  toFloat(v: V): V { return this.b.typeOf(v).dtype === 'float32' ? v : this.op('cast', [v], { dtype: 'float32' }); }
  reshape(v: V, shape: readonly number[]): V {
    return sameShape(this.shape(v), shape) ? v : this.op('reshape', [v], { shape: [...shape] });
  }
  sum(v: V, axes: readonly number[], keepDims: boolean): V {
    return axes.length === 0 ? v : this.op('sum', [v], { axes: [...axes], keepDims });
  }
  zeros(shape: readonly number[]): V {
    return shape.length === 0 ? this.c(0) : this.op('broadcastTo', [this.c(0)], { shape: [...shape] });
  }
  broadcastTo(v: V, shape: readonly number[]): V {
    return sameShape(this.shape(v), shape) ? v : this.op('broadcastTo', [v], { shape: [...shape] });
  }

  /** Sums a cotangent over the dimensions that broadcasting added or stretched, back to `shape`. */
  unbroadcast(dy: V, shape: readonly number[]): V {
    const dyShape = this.shape(dy);
    if (sameShape(dyShape, shape)) return dy;
    const lead = dyShape.length - shape.length;
    const axes: number[] = [];
    for (let i = 0; i < dyShape.length; i++) {
      if (i < lead || (shape[i - lead] === 1 && dyShape[i] !== 1)) axes.push(i);
    }
    return this.reshape(this.sum(dy, axes, false), shape);
  }

  /** A reduction's cotangent broadcast back over the reduced axes of an input of `shape`. */
  unreduce(dy: V, shape: readonly number[], axes: readonly number[]): V {
    const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return this.broadcastTo(this.reshape(dy, kept), shape);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
