// The AutoGraph source transform: which functions it converts, what it writes, and that it
// keeps line numbers. (This file is itself converted by the vite plugin: see the last tests.)
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { compile as kcompile } from '../../src/index.js';
import { autographSource } from '../../src/trace/autograph/transform.js';

const convert = (code: string, file = 'm.ts') => autographSource(code, file).code;
const values = (t: unknown) => Array.from((t as kiln.Tensor).dataSync());

describe('which functions are converted', () => {
  const body = '{ if (x.greater(0)) { y = x; } else { y = x.neg(); } }';

  it('functions passed to compile(), by value or by name, from the module kiln is imported from', () => {
    const code = [
      "import * as kiln from '../src/index.js';",
      "import { compile as c } from 'kiln';",
      `const a = kiln.compile((x) => ${body});`,
      `const b = c(function (x) ${body});`,
      `function named(x) ${body}`,
      'const d = kiln.compile(named);',
      `const helper = (x) => ${body};`,
      'const e = c(helper);',
      `function untouched(x) ${body}`,
    ].join('\n');
    const out = convert(code).split('\n');
    expect(out[0]).toMatch(/^import \{ autograph as ag__ \} from "\.\.\/src\/index\.js"; import \* as kiln/);
    for (const line of [2, 3, 4, 6]) expect(out[line]).toContain('ag__.ifStmt(x.greater(0)');
    expect(out[8]).toBe(`function untouched(x) ${body}`);
  });

  it('methods decorated with @kiln.compiled or @compiled, and functions marked \'use kiln\'', () => {
    const code = [
      "import * as kiln from 'kiln';",
      "import { compiled } from 'kiln';",
      `class A { @kiln.compiled step(x) ${body} @compiled other(x) ${body} plain(x) ${body} }`,
      `function helper(x) { 'use kiln'; if (x.greater(0)) { x = x.neg(); } return x; }`,
    ].join('\n');
    const out = convert(code).split('\n');
    expect(out[2]!.match(/ag__\.ifStmt/g)).toHaveLength(2);
    expect(out[2]).toContain(`plain(x) ${body}`);
    expect(out[3]).toContain("'use kiln'; ag__.ifStmt(x.greater(0)");
  });

  it('a file-level \'use kiln\' converts every function; the runtime comes from kiln', () => {
    const out = convert(`'use kiln';\nexport function f(x) ${body}\nexport const g = (x) => ${body};`);
    expect(out.match(/ag__\.ifStmt/g)).toHaveLength(2);
    expect(out.startsWith('import { autograph as ag__ } from "kiln";')).toBe(true);
  });

  it('leaves a module without compiled functions unchanged', () => {
    const code = `import * as kiln from 'kiln';\nfunction f(x) ${body}\n`;
    expect(autographSource(code, 'm.ts')).toEqual({ code, converted: 0 });
    expect(autographSource('const x = 1;', 'm.js').converted).toBe(0);
    // compile() from another module is not kiln's.
    expect(autographSource(`import * as other from './compiler.js';\nother.compile((x) => ${body});`, 'm.ts').converted).toBe(0);
    expect(autographSource(`import { compile } from 'other';\ncompile((x) => ${body});`, 'm.ts').converted).toBe(0);
  });
});

describe('what the transform writes', () => {
  it('if/else with returns, a loop with break and for..of (inline snapshot)', () => {
    const code = `import * as kiln from 'kiln';
const f = kiln.compile((x: kiln.Tensor, n: kiln.Tensor) => {
  let acc = x;
  while (acc.sum().less(n)) {
    if (acc.max().greater(100)) break;
    acc = acc.mul(2);
  }
  for (const row of x) acc = acc.add(row);
  if (acc.sum().greater(0)) {
    return acc;
  }
  return acc.neg();
});`;
    expect(convert(code)).toMatchInlineSnapshot(`
      "import { autograph as ag__ } from "kiln"; import * as kiln from 'kiln';
      const f = kiln.compile((x: kiln.Tensor, n: kiln.Tensor) => { let doReturn__ = false, retval__;
        let acc = x;
        { let break__1 = false; ag__.whileStmt(() => ag__.and(() => ag__.notAny([break__1]), () => (acc.sum().less(n))), () => {
          ag__.ifStmt(acc.max().greater(100), () => {{ break__1 = true; return; }}, null, () => [break__1], (v__) => { [break__1] = v__; }, ["break__1"]);ag__.ifStmt(ag__.notAny([break__1]), () => {
          acc = acc.mul(2);}, null, () => [acc], (v__) => { [acc] = v__; }, ["acc"]);
        }, () => [acc, break__1], (v__) => { [acc, break__1] = v__; }, ["acc", "break__1"]); }
        { ag__.forOf(x, (row) => {acc = acc.add(row);}, null, () => [acc], (v__) => { [acc] = v__; }, ["acc"]); }
        ag__.ifStmt(acc.sum().greater(0), () => {
          { retval__ = acc; doReturn__ = true; return; }
        }, () => {
        { retval__ = acc.neg(); doReturn__ = true; return; }}, () => [retval__], (v__) => { [retval__] = v__; }, ["retval__"]); return retval__;
      });"
    `);
  });

  it('keeps every line on its line number', () => {
    const code = `import * as kiln from 'kiln';
const f = kiln.compile((x, n) => {
  let i = 0;
  // a comment
  for (let k = 0; k < n; k++) {
    if (x.greater(k)) {
      i = i + 1;
    } else if (x.less(-k)) {
      continue;
    } else {
      break;
    }
    marker1(i);
  }
  while (x.less(3) && !done(x)) {
    x = x.add(1);
  }
  marker2(x ? 1 : 2);
  return x;
});`;
    const before = code.split('\n');
    const after = convert(code).split('\n');
    expect(after).toHaveLength(before.length);
    for (const marker of ['marker1', 'marker2', '// a comment']) {
      expect(after.findIndex((l) => l.includes(marker))).toBe(before.findIndex((l) => l.includes(marker)));
    }
  });

  it('leaves statements it cannot convert as JS, guarding their conditions', () => {
    const code = `import * as kiln from 'kiln';
const f = kiln.compile(async (x) => {
  if (await x) { var v = 1; }
  outer: for (const a of x) { for (const b of a) { if (b) continue outer; } }
  switch (x) { case 1: if (x) break; }
  return v;
});`;
    const out = convert(code);
    expect(out).not.toContain('ag__.ifStmt');
    expect(out).not.toContain('ag__.forOf');
    expect(out).toContain('if (ag__.hostCondition(await x))');
  });
});

describe('kiln.autograph.toCode', () => {
  it('shows the converted source of a function', () => {
    const code = kiln.autograph.toCode((x: kiln.Tensor) => {
      let y = x;
      while (y.less(10)) y = y.mul(2);
      return y;
    });
    expect(code).toContain('ag__.whileStmt(() => y.less(10)');
  });

  it('accepts function declarations, methods, and compiled functions (showing the function compiled)', () => {
    function g(a: number) { if (a > 1) return 1; return 2; }
    expect(kiln.autograph.toCode(g)).toContain('ag__.ifStmt(a > 1');
    const obj = { m(a: number) { for (const k of [a]) { if (k) return k; } return 0; } };
    expect(kiln.autograph.toCode(obj.m)).toContain('ag__.forOf([a]');
    function h(x: kiln.Tensor) { while (x.less(10)) x = x.mul(2); return x; }
    const compiled = kiln.compile(h);
    expect(compiled.original).toBe(h);
    expect(kiln.autograph.toCode(compiled)).toBe(kiln.autograph.toCode(h));
    expect(kiln.autograph.toCode(compiled)).toMatch(/whileStmt\(/);
  });
});

describe('converted code runs (this file goes through the plugin)', () => {
  class Scaler {
    calls = 0;
    @kiln.compiled
    step(x: kiln.Tensor) {
      this.calls++;
      if (x.greater(0)) return x.mul(2);
      return x.neg();
    }
  }

  it('a @kiln.compiled method', () => {
    const s = new Scaler();
    expect(values(s.step(kiln.scalar(3)))).toEqual([6]);
    expect(values(s.step(kiln.scalar(-3)))).toEqual([3]);
    expect(s.calls).toBe(1);
  });

  it('a \'use kiln\' helper called from a compiled function, and compile imported by name', () => {
    function clip(x: kiln.Tensor): kiln.Tensor {
      'use kiln';
      if (x.greater(1)) return kiln.scalar(1);
      return x;
    }
    const f = kcompile((x: kiln.Tensor) => clip(x).mul(2));
    expect(values(f(kiln.scalar(5)))).toEqual([2]);
    expect(values(f(kiln.scalar(0.25)))).toEqual([0.5]);
    expect(f.traceCount).toBe(1);
    expect(f.concrete(kiln.scalar(1)).graph.toString()).toContain('cond');
  });
});
