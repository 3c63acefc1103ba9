import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';

/** Asserts that the file is well-formed XML whose root is an <svg> element with a size; returns its text. */
export function expectSvg(path: string): string {
  const text = readFileSync(path, 'utf8');
  expect(XMLValidator.validate(text), path).toBe(true);
  const root = new XMLParser({ ignoreAttributes: false }).parse(text) as { svg?: Record<string, unknown> };
  expect(root.svg, `${path} has an <svg> root`).toBeDefined();
  expect(Number(root.svg!['@_width'])).toBeGreaterThan(0);
  expect(Number(root.svg!['@_height'])).toBeGreaterThan(0);
  return text;
}
