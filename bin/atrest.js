#!/usr/bin/env node
// The `atrest` command. Node runs it as the package's bin; Deno runs the same file:
// `deno run -A bin/atrest.js …`. All the work is in dist/cli/main.js (built from src/cli/).
import { main } from '../dist/cli/main.js';

await main();
