import * as kiln from '../src/index.js';
const f = kiln.compile((x: kiln.Tensor, w: kiln.Tensor) => kiln.conv2d(x, w, [2, 1], 'valid'));
const x = kiln.randomUniform([1, 5, 7, 3]), w = kiln.randomUniform([2, 2, 3, 5]);
const cf = f.concrete(x, w);
for (const k of cf.kernels) console.log(k.source.slice(0, 600));
