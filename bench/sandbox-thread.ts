/** Runs the sandbox Help Center on its own thread, as a remote Help Center would not share our CPU time. */
import { parentPort, workerData } from 'node:worker_threads';
import { type SandboxOptions, startSandbox } from '../local/sandbox/server.ts';

const sandbox = await startSandbox(workerData as SandboxOptions);
parentPort?.postMessage({ url: sandbox.url });
parentPort?.once('message', () => {
  sandbox.close().finally(() => process.exit(0));
});
