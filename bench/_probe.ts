// Temporary: per-kernel time of kiln's compiled MLP step (A / D) on the cpu backend.
import * as kiln from '../src/index.js';
import { currentBackend } from '../src/trace/backends.js';
import { kilnMlp, mlpData } from './mlp.js';
const batch = Number(process.argv[2] ?? 128);
if (process.env.PROBE_BACKEND) await kiln.setBackend(process.env.PROBE_BACKEND as 'wasm');
const fuse = process.argv[3] !== 'off';
const impl = kilnMlp(mlpData(batch), fuse);
for (let i = 0; i < 3; i++) { await impl.run(); await impl.finish(); }
const be = currentBackend() as any;
const orig = be.run.bind(be);
const t = new Map<string, { ms: number; n: number; src: string }>();
be.run = (l: any) => { const s = performance.now(); orig(l); const e = performance.now() - s; const k = l.kernel.name; const r = t.get(k) ?? { ms: 0, n: 0, src: l.kernel.source }; r.ms += e; r.n++; t.set(k, r); };
const cpu0 = process.cpuUsage(); const s0 = performance.now();
const N = 10;
for (let i = 0; i < N; i++) { await impl.run(); }
await impl.finish();
const wall = (performance.now() - s0) / N; const c = process.cpuUsage(cpu0); const cpu = (c.user + c.system) / 1000 / N;
const total = [...t.values()].reduce((a, b) => a + b.ms, 0) / N;
console.log(`batch ${batch} fuse ${fuse}: wall ${wall.toFixed(1)} ms/step, cpu ${cpu.toFixed(1)} ms/step, kernels ${total.toFixed(1)} ms/step`);
const rows = [...t.entries()].sort((a, b) => b[1].ms - a[1].ms);
for (const [k, r] of rows.slice(0, Number(process.env.PROBE_ROWS ?? 12))) console.log(`${k.padEnd(20)} ${(r.ms / N).toFixed(2).padStart(8)} ms ${(100 * r.ms / N / total).toFixed(1).padStart(5)}%`);
if (process.argv[4]) for (const [k, r] of rows.slice(0, Number(process.argv[4]))) console.log(`\n=== ${k}\n${r.src}`);
console.log(impl.stats!());
