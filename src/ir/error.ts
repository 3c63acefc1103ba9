/**
 * The one error type kiln throws for bad input. Its message names the op, the shapes and
 * dtypes involved, and the user's file:line where the op was called.
 */
export class KilnError extends Error {
  /** The user's `file:line:column` where the failing call was made, when it could be found. */
  readonly location: string | undefined;
  readonly op: string | undefined;
  /** The message without the op prefix and the location. */
  readonly detail: string;

  constructor(message: string, options: { op?: string; location?: string } = {}) {
    const location = options.location ?? userLocation();
    const prefix = options.op ? `${options.op}: ` : '';
    super(`${prefix}${message}${location ? ` (at ${location})` : ''}`);
    this.name = 'KilnError';
    this.op = options.op;
    this.location = location;
    this.detail = message;
  }

  /** The same error raised by `op`, which the user called and which failed in this one (`softmax: exp: ...`). */
  within(op: string): KilnError {
    if (this.op === op) return this;
    return new KilnError(this.op ? `${this.op}: ${this.detail}` : this.detail, { op, ...(this.location ? { location: this.location } : {}) });
  }
}

// The folder holding kiln's own sources (src/ or dist/): frames inside it are not the user's.
const kilnRoot = stripScheme(new URL('..', import.meta.url).href);
const frameRe = /\(?((?:file:\/\/)?\/[^()\s]+?):(\d+):(\d+)\)?\s*$/;

function stripScheme(path: string): string {
  return path.startsWith('file://') ? decodeURIComponent(path.slice(7)) : path;
}

/**
 * The first stack frame outside kiln and outside node_modules, as `file:line:col`. It looks 64
 * frames deep first (this runs for every traced op), and through the whole stack only when
 * kiln's own frames fill those (a model inside fit inside a compiled step).
 */
export function userLocation(): string | undefined {
  for (const depth of [64, Infinity]) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = depth;
    const stack = new Error().stack;
    Error.stackTraceLimit = limit;
    if (!stack) return undefined;
    const frames = stack.split('\n').slice(1);
    for (const line of frames) {
      const m = frameRe.exec(line);
      if (!m) continue;
      const file = stripScheme(m[1]!);
      if (file.startsWith(kilnRoot) || file.includes('/node_modules/') || file.startsWith('node:')) continue;
      return `${file}:${m[2]}:${m[3]}`;
    }
    if (frames.length < depth) return undefined;
  }
  return undefined;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
