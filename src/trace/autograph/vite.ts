import { autographSource, mayNeedAutograph, type AutographOptions } from './transform.js';

export interface AutographPluginOptions extends AutographOptions {
  /** Which modules to convert (default: any .ts/.js module outside node_modules). */
  readonly include?: (id: string, code: string) => boolean;
}

/** The part of a Vite plugin this one uses (kiln does not depend on Vite). */
export interface AutographVitePlugin {
  readonly name: string;
  readonly enforce: 'pre';
  transform(code: string, id: string): { code: string; map: null } | null;
}

const SCRIPT = /\.(?:[cm]?[jt]s|tsx)$/;

/**
 * A Vite (and Vitest) plugin that converts control flow in kiln's compiled functions with
 * AutoGraph: `plugins: [autograph()]`. It runs before TypeScript is stripped; lines keep their numbers.
 */
export function autograph(options: AutographPluginOptions = {}): AutographVitePlugin {
  return {
    name: 'kiln:autograph',
    enforce: 'pre',
    transform(code, id) {
      const file = id.split('?')[0]!;
      if (!SCRIPT.test(file) || file.includes('/node_modules/') || !mayNeedAutograph(code)) return null;
      if (options.include && !options.include(file, code)) return null;
      const out = autographSource(code, file, options);
      return out.converted ? { code: out.code, map: null } : null;
    },
  };
}
