#!/usr/bin/env node
// The `kiln` bin entry (package.json "bin"): parse the command line and run the command.
import { createProgram } from './program.js';

await createProgram().parseAsync(process.argv);
