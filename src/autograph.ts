/**
 * `node --import kiln/autograph app.ts` (or `tsx --import kiln/autograph app.ts`): registers the
 * module hooks that convert control flow in compiled functions with AutoGraph as modules load.
 */
import { register } from 'node:module';

register('./trace/autograph/node-hooks.js', import.meta.url);
