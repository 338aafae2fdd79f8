#!/usr/bin/env node
// Entry of `npx helpcenter-deprovisioner`: runs the TypeScript CLI through the installed tsx loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
