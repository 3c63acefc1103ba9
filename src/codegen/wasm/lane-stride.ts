import type { DagNode } from './dag.js';

/**
 * How far an int32 index moves per lane along the vectorized dim, where only its lane-varying
 * part need be affine: `⌊h/2⌋·416 + c` (a pooling gradient's window row, then the channel) steps
 * by 1 although the whole is not affine. Null where the step is not a constant. Relies on the
 * DAG's `vec` flags: a node that does not vary along the lanes steps by 0.
 */
export function laneStride(n: DagNode): number | null {
  if (!n.vec) return 0;
  if (n.k === 'index') return 1;
  if (n.k !== 'alu' || n.dtype !== 'int32') return null;
  const [a, b] = n.args as [DagNode, DagNode | undefined];
  switch (n.op) {
    case 'add': case 'sub': {
      const sa = laneStride(a), sb = b ? laneStride(b) : null;
      if (sa === null || sb === null) return null;
      return n.op === 'add' ? sa + sb : sa - sb;
    }
    case 'neg': {
      const s = laneStride(a);
      return s === null ? null : -s;
    }
    case 'mul': {
      if (!b) return null;
      const [v, c] = a.vec ? [a, b] : [b, a];
      if (c.vec || c.k !== 'const') return null;
      const s = laneStride(v);
      return s === null ? null : s * c.value;
    }
    default:
      return null;
  }
}
