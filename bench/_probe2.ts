import * as kiln from '../src/index.js';
import { kilnMlp, mlpData } from './mlp.js';
const impl = kilnMlp(mlpData(32), false);
await impl.run(); await impl.finish();
const srcs = impl.kernelSources!();
for (const s of srcs) if (s.includes('matrix product') || s.includes('transpose')) console.log(s.split('\n').slice(0, 25).join('\n'), '\n-----');
