#!/usr/bin/env node
// Entry of `npx helpcenter-deprovisioner`: runs the TypeScript CLI through the installed tsx loader.
import { register } from 'tsx/esm/api';

register();
// `… | head` closes stdout early: the rest of the output is dropped quietly and the command still
// finishes (its clean-up runs, its exit code stands).
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
