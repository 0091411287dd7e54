#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so the checkout is the installation: no build of core.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
