import * as kiln from '../src/index.js';
import { kilnMlp, mlpData } from './mlp.js';
await kiln.setBackend('wasm');
const impl = kilnMlp(mlpData(32), true);
await impl.run(); await impl.finish();
const srcs = impl.kernelSources!();
const s = srcs.find((x) => x.includes('mlpStep_16_sub'))!;
console.log(s.slice(0, 6000));
