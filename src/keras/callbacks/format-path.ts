import { KilnError } from '../../api/index.js';

/** Python's format spec, the part kiln supports: [0][width][.precision][d|f|e|g|%]. */
const SPEC = /^(0?)(\d*)(?:\.(\d+))?([dfeg%]?)$/;

function formatNumber(value: number, spec: string, field: string): string {
  const m = SPEC.exec(spec);
  if (!m) throw new KilnError(`unsupported format spec '{${field}:${spec}}'; use forms like {epoch:02d}, {val_loss:.2f} or {loss:.4e}`, { op: 'ModelCheckpoint' });
  const [, zero, width, precision, type] = m;
  const p = precision === undefined ? undefined : Number(precision);
  let text: string;
  switch (type) {
    case 'd': text = String(Math.trunc(value)); break;
    case 'f': text = value.toFixed(p ?? 6); break;
    case '%': text = `${(value * 100).toFixed(p ?? 6)}%`; break;
    // Python writes exponents with a sign and at least two digits: 1.50e-05.
    case 'e': text = value.toExponential(p ?? 6).replace(/e([+-])(\d)$/, 'e$10$2'); break;
    case 'g': text = String(Number(value.toPrecision(p || 6))); break;
    default: text = p === undefined ? String(value) : String(Number(value.toPrecision(p || 1)));
  }
  const w = width ? Number(width) : 0;
  if (text.length >= w) return text;
  if (!zero) return text.padStart(w, ' ');
  const sign = text.startsWith('-') ? '-' : '';
  return sign + text.slice(sign.length).padStart(w - sign.length, '0');
}

/** Fills `{name}` and `{name:spec}` fields, as Keras does with Python's str.format; `{{` and `}}` are braces. */
export function formatPath(template: string, values: Readonly<Record<string, number>>): string {
  return template.replace(/\{\{|\}\}|\{([^{}:]+)(?::([^{}]*))?\}/g, (whole, field: string | undefined, spec: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const value = values[field!];
    if (value === undefined) {
      throw new KilnError(`filepath '${template}' refers to '{${field}}', which is not among the logged values: ${Object.keys(values).join(', ')}`, { op: 'ModelCheckpoint' });
    }
    return spec === undefined ? String(value) : formatNumber(value, spec, field!);
  });
}
