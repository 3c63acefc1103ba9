/// <reference types="@webgpu/types" />
import { KilnError } from '../../ir/index.js';

/** A generated shader the device would not compile; the full text stays on the error. */
export class WgslCompileError extends KilnError {
  constructor(
    message: string,
    readonly kernel: string,
    readonly source: string,
    readonly line: number,
  ) {
    super(message, { op: 'webgpu' });
  }
}

/** The first error the compiler reported, with the offending line of the shader quoted. */
export function compileError(kernel: string, source: string, fallback: string, messages: readonly GPUCompilationMessage[]): WgslCompileError {
  const m = messages.find((x) => x.type === 'error');
  if (!m) return new WgslCompileError(`the WGSL of kernel '${kernel}' was rejected: ${fallback.split('\n')[0]} (the shader is on error.source)`, kernel, source, 0);
  const text = source.split('\n')[m.lineNum - 1] ?? '';
  const message = `WGSL compile error in kernel '${kernel}' at line ${m.lineNum}:${m.linePos}: ${m.message}\n    ${text.trim()}\n(the whole shader is on error.source, and in the compiled function's kernels)`;
  return new WgslCompileError(message, kernel, source, m.lineNum);
}

export function describeLoss(info: GPUDeviceLostInfo): string {
  const why = info.reason === 'destroyed' ? 'it was destroyed' : info.message || 'unknown reason';
  return `the WebGPU device was lost (${why}); its tensors are gone. Restart the process to use WebGPU again, or switch with kiln.setBackend('cpu')`;
}

/**
 * Errors that arrive after the call that caused them (error scopes and device events are
 * asynchronous): kept here and thrown by the next call. A compile error wins over the
 * follow-on errors it causes (an invalid pipeline makes its command buffer invalid too).
 */
export class PendingChecks {
  private readonly pending = new Set<Promise<void>>();
  private failure: KilnError | null = null;

  track(check: Promise<void>): void {
    const p: Promise<void> = check.then(
      () => { this.pending.delete(p); },
      (e: unknown) => { this.pending.delete(p); this.fail(e instanceof KilnError ? e : new KilnError(String(e), { op: 'webgpu' })); },
    );
    this.pending.add(p);
  }

  fail(error: KilnError): void {
    if (!this.failure || (error instanceof WgslCompileError && !(this.failure instanceof WgslCompileError))) this.failure = error;
  }

  /** Waits for every check started so far. */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** Throws (once) the error kept since the last call. */
  rethrow(): void {
    const f = this.failure;
    if (!f) return;
    this.failure = null;
    throw f;
  }
}
