// `kiln inspect` and KILN_DUMP on a small compiled train step (dense layer, GradientTape,
// assignSub) and a function traced for two shapes and two JS values. The script runs once,
// through the real CLI; the other formats render that dump in-process.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InspectError } from '../../src/cli/dump-reader.js';
import { inspect, type InspectOptions } from '../../src/cli/inspect.js';
import type { DumpIndex } from '../../src/trace/dump.js';
import type { DumpTrace } from '../../src/trace/dump-model.js';
import { fixture, kiln, type CliResult } from './helpers.js';

let dir: string;
let cli: CliResult;
const readJson = <T>(...parts: string[]): T => JSON.parse(readFileSync(join(dir, ...parts), 'utf8')) as T;
const render = async (options: Partial<InspectOptions>) => (await inspect(dir, [], { format: 'text', ...options })).output;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-inspect-test-'));
  // On cpu, whose kernels are readable JavaScript (the default backend, wasm, has its own test below).
  cli = await kiln(['inspect', fixture, '--fn', 'trainStep', '--after', 'all', '--out', dir, '--backend', 'cpu']);
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('KILN_DUMP', () => {
  it('ran the script, passing its output to stderr', () => {
    expect(cli.stderr).toContain('loss ');
    expect(cli.code, cli.stderr).toBe(0);
  });

  it('writes an index of every compiled function and trace, and no eager op', () => {
    const index = readJson<DumpIndex>('index.json');
    expect(index.functions.map((f) => [f.name, f.traces.length])).toEqual([['trainStep', 1], ['scale', 3]]);
    for (const f of index.functions) for (const t of f.traces) expect(existsSync(join(dir, t.file))).toBe(true);
  });

  it('writes each stage as text and JSON, the fused groups, the kernels and the buffer plan', () => {
    const trace = readJson<DumpTrace>('trainStep/trace-0/trace.json');
    expect(trace.stages.map((s) => s.name)).toEqual(['traced', 'dce', 'cse', 'fold', 'simplify', 'cleanup', 'fusion']);
    const files = readdirSync(join(dir, 'trainStep/trace-0'));
    trace.stages.forEach((stage, i) => {
      const base = `${String(i).padStart(2, '0')}-${stage.name}`;
      expect(files).toContain(`${base}.txt`);
      const json = readJson<{ name: string; graph: { nodes: unknown[] } }>('trainStep/trace-0', `${base}.json`);
      expect(json.name).toBe(stage.name);
      expect(readFileSync(join(dir, 'trainStep/trace-0', `${base}.txt`), 'utf8')).toMatch(/^\/\/ ----- IR .*\ngraph trainStep\(/);
    });
    for (const f of ['fused.txt', 'fused.json', 'kernels.txt', 'kernels.json', 'plan.json', 'report.txt']) expect(files).toContain(f);
    expect(readFileSync(join(dir, 'trainStep/trace-0/fused.txt'), 'utf8')).toMatch(/%k0 = fusion\[kind=(loop|reduce|contraction), kernel=trainStep_0_\w+\] \{/);
    const kernels = readdirSync(join(dir, 'trainStep/trace-0/kernels'));
    expect(kernels.length).toBe(trace.kernels.length);
    expect(trace.kernels.length).toBeGreaterThan(1);
    expect(trace.plan.peakBytes).toBeGreaterThan(0);
  });

  it('keeps the signature structure, so each retrace names what changed', () => {
    const index = readJson<DumpIndex>('index.json');
    const scale = index.functions.find((f) => f.name === 'scale')!;
    expect(scale.traces.map((t) => t.args)).toEqual(['(f32[8,4], 2)', '(f32[2,5], 2)', '(f32[8,4], 3)']);
    expect(scale.traces[1]!.retrace).toEqual({ comparedTo: 0, changes: [{ path: 'args[0].shape', from: '[8,4]', to: '[2,5]' }] });
    expect(scale.traces[2]!.retrace).toEqual({ comparedTo: 0, changes: [{ path: 'args[1]', from: '2', to: '3' }] });
  });
});

describe('kiln inspect, text', () => {
  it('--after all prints the IR after every pass, with a one-line summary per pass', () => {
    const trace = readJson<DumpTrace>('trainStep/trace-0/trace.json');
    const out = cli.stdout;
    expect(out).toContain('=== trace 0 of trainStep(f32[8,4], f32[8,3]) on cpu');
    expect(out).toContain('// ----- IR as traced:');
    for (const stage of trace.stages.slice(1)) expect(out).toContain(`// ----- IR after ${stage.name}: `);
    expect(out).toMatch(/^ {2}dce: -\d+ nodes$/m);
    expect(out).toMatch(/^ {2}cse: -\d+ nodes \(merged \d+/m);
    expect(out).toMatch(/^ {2}fusion: \d+ nodes -> \d+ kernels \(\d+ fused groups\)$/m);
    // Typed, one node per line, with use counts and the user's source line.
    expect(out).toMatch(/^ {2}\[\d+\] %\d+:f32\[8,3\] = matMul %0, %\d+ .*# fixtures\/train-step\.ts:\d+:\d+$/m);
    // The fusion stage shows groups as nested blocks.
    expect(out).toMatch(/^ {2}%k\d+ = fusion\[kind=contraction, kernel=trainStep_\d+_\w+\] \{ {2}# \d+ nodes\n {4}\[\d+\] %\d+:/m);
  });

  it('--after-change prints only the passes that changed the graph', async () => {
    const out = await render({ fn: 'scale', trace: 0, afterChange: true });
    const trace = readJson<DumpTrace>('scale/trace-0/trace.json');
    const unchanged = trace.stages.filter((s) => !s.changed).map((s) => s.name);
    expect(unchanged.length).toBeGreaterThan(0);
    for (const stage of trace.stages.slice(1)) {
      expect(out.includes(`// ----- IR after ${stage.name}:`), stage.name).toBe(stage.changed);
    }
    expect(out).toMatch(/^ {2}dce: ±0 nodes {2}\(unchanged\)$/m);
    expect(await render({ fn: 'scale', trace: 0, after: 'cse,fusion' })).toMatch(/IR after cse[\s\S]*IR after fusion/);
  });

  it('--fn shows the fused graph, a kernel report and the buffer plan', async () => {
    const out = await render({ fn: 'trainStep' });
    expect(out).toContain('fused graph (kernel groups as blocks):');
    expect(out).toMatch(/kernels: \d+, [\d.]+k? FLOPs per call\n {2}# {2}kernel +fusion +nodes +inputs +outputs +bytes in\/out +FLOPs/);
    expect(out).toMatch(/trainStep_\d+_\w+ +contraction +\d+ +%0:f32\[8,4\], %\d+:f32\[4,3\]/);
    expect(out).toMatch(/buffer plan: peak \d+ B per call/);
    expect(out).toMatch(/in-place updates: 2 \(trainStep_\d+_\w+ -> @dense\/kernel, trainStep_\d+_\w+ -> @dense\/bias\)/);
  });

  it('--kernels prints the generated source of each kernel, and FLOPs count the ALU work', async () => {
    const out = await render({ fn: 'trainStep', kernels: true });
    const trace = readJson<DumpTrace>('trainStep/trace-0/trace.json');
    for (const k of trace.kernels) expect(out).toContain(`// ----- kernel ${k.name} (js, `);
    expect(out).toMatch(/for \(let i0 = 0; i0 < \d+; i0\+\+\)/);
    // The forward matmul [8,4]x[4,3]: a multiply and an add per inner element, 2*8*4*3 at least.
    const forward = trace.kernels.find((k) => k.inputs[0]?.value === 0 && k.fusion === 'contraction' && k.outputs[0]!.size === 24)!;
    expect(forward.flops).toBeGreaterThanOrEqual(2 * 8 * 4 * 3);
    expect(forward.inputs.map((b) => b.bytes)).toEqual([128, 48, 12]);
  });

  it('runs the script on the default backend, wasm, unless --backend says otherwise; its kernels are WebAssembly', async () => {
    const { stdout, code, stderr } = await kiln(['inspect', fixture, '--fn', 'scale', '--trace', '0', '--kernels', '-q']);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('=== trace 0 of scale(f32[8,4], 2) on wasm');
    expect(stdout).toMatch(/\/\/ ----- kernel scale_0_\w+ \(wasm, \w+\)\n;; scale_0_\w+: reduce over \[8\] sum over \[4\]/);
    expect(stdout).toContain('(import "env" "memory" (memory');
  });

  it('--autograph runs the script with the AutoGraph hook: a plain while/if over tensors becomes a while node with a cond inside', async () => {
    const { stdout, code, stderr } = await kiln(['inspect', 'test/cli/fixtures/collatz.ts', '--autograph', '--fn', 'collatz', '-q']);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('collatz: traced 1 time');
    expect(stdout).toMatch(/^ {2}\[1\] %2:i32\[\], %3:i32\[\] = while %0, %1 \{condGraph=@loop_condition, bodyGraph=@loop_body, loopVarCount=2\} {2}# fixtures\/collatz\.ts:7:\d+$/m);
    expect(stdout).toMatch(/= cond %\d+, %0 \{thenBranch=@true_branch, elseBranch=@false_branch\} {2}# fixtures\/collatz\.ts:8:\d+$/m);
    // The buffer plan says what each decision reads back: the loop's condition per iteration, the if's predicate per decision.
    expect(stdout).toContain('  control flow:\n    while: reads its condition back before each iteration\n      cond: reads its predicate back once per decision\n');
    const rows = await kiln(['inspect', 'test/cli/fixtures/collatz.ts', '--autograph', '--fn', 'sumRows', '-q']);
    expect(rows.stdout).toContain('  control flow:\n    while: trip count 4, known when traced (nothing read back)\n');
  });

  it('lists every function and trace, with the reason of each retrace', async () => {
    const out = await render({});
    expect(out).toContain('kiln inspect: 2 compiled functions, 4 traces');
    expect(out).toContain('scale: traced 3 times');
    expect(out).toContain('  trace 1 (f32[2,5], 2) on cpu:');
    expect(out).toContain('retraced: vs trace 0, args[0].shape: [8,4] -> [2,5]');
    expect(out).toContain('retraced: vs trace 0, args[1]: 2 -> 3');
  });

  it('names the functions there are when --fn or --after names none', async () => {
    await expect(render({ fn: 'nope' })).rejects.toThrow(InspectError);
    await expect(render({ fn: 'nope' })).rejects.toThrow("no compiled function 'nope'; the script compiled: trainStep, scale");
    await expect(render({ fn: 'scale', after: 'fusoin' })).rejects.toThrow(/no pass 'fusoin'; the stages are: traced, dce, .*fusion/);
  });
});

describe('kiln inspect, other formats', () => {
  it('dot: one digraph per trace, every edge between declared nodes, kernel groups as clusters', async () => {
    const out = await render({ fn: 'trainStep', format: 'dot' });
    expect(out.trim().startsWith('digraph kiln {')).toBe(true);
    expect(out.trim().endsWith('}')).toBe(true);
    expect(out.split('{').length).toBe(out.split('}').length);
    const declared = new Set([...out.matchAll(/^\s*(n\d+) \[id=/gm)].map((m) => m[1]));
    const edges = [...out.matchAll(/^\s*"(n\d+)" -> "(n\d+)"/gm)];
    expect(edges.length).toBeGreaterThan(10);
    for (const [, a, b] of edges) { expect(declared).toContain(a); expect(declared).toContain(b); }
    expect(out).toMatch(/subgraph cluster_k0 \{/);
    expect(out).toContain('label=" f32[8,3]"');
    const { instance } = await import('@viz-js/viz');
    const result = (await instance()).render(out, { format: 'svg' });
    expect(result.status, JSON.stringify(result.errors)).toBe('success');
  });

  it('svg: Graphviz (WebAssembly) output with a group per node', async () => {
    const out = await render({ fn: 'trainStep', format: 'svg' });
    const trace = readJson<DumpTrace>('trainStep/trace-0/trace.json');
    expect(out).toMatch(/^<\?xml[^>]*>\s*<!DOCTYPE svg[^>]*>\s*<!--[\s\S]*?-->\s*<svg [^>]*viewBox=/);
    expect(out.trim().endsWith('</svg>')).toBe(true);
    const nodes = [...out.matchAll(/<g id="n(\d+)" class="node/g)].map((m) => Number(m[1]));
    expect(nodes.sort((a, b) => a - b)).toEqual(trace.stages.at(-1)!.graph.nodes.map((n) => n.id).sort((a, b) => a - b));
    await expect(render({ format: 'svg' })).rejects.toThrow(/4 were selected/);
  });

  it('json: the selected traces, with only the stages --after names', async () => {
    const all = JSON.parse(await render({ format: 'json' })) as { index: DumpIndex; traces: DumpTrace[] };
    expect(all.traces.map((t) => `${t.function}#${t.trace}`)).toEqual(['trainStep#0', 'scale#0', 'scale#1', 'scale#2']);
    const one = JSON.parse(await render({ format: 'json', fn: 'scale', trace: 1, after: 'cse' })) as { traces: DumpTrace[] };
    expect(one.traces).toHaveLength(1);
    expect(one.traces[0]!.stages.map((s) => s.name)).toEqual(['cse']);
    expect(one.traces[0]!.args).toEqual({ kind: 'array', items: [{ kind: 'tensor', dtype: 'float32', shape: [2, 5] }, { kind: 'value', type: 'number', value: '2' }] });
  });
});
