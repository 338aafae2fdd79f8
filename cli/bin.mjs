#!/usr/bin/env node
// Entry of `npx helpcenter-deprovisioner`: runs the TypeScript CLI through the installed tsx loader.
import { register } from 'tsx/esm/api';

register();
// `… | head` closes stdout early: stop quietly, as other command-line tools do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
