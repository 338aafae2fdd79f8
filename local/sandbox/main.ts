import { loadSeed, startSandbox } from './server.ts';

const port = Number(process.env.SANDBOX_PORT ?? 3001);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`SANDBOX_PORT must be a port number, got ${process.env.SANDBOX_PORT}`);
  process.exit(2);
}
const seedPath = process.env.SANDBOX_SEED ?? 'local/seed.json';

const sandbox = await startSandbox({ seed: await loadSeed(seedPath), port });
console.log(`Sandbox Help Center listening on ${sandbox.url} (seed ${seedPath})`);
console.log(`State: ${sandbox.url}/_sandbox/state`);

const stop = () => {
  sandbox.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
