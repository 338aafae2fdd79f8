import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { isAppError } from '#core/domain/errors.ts';
import { banner } from './banner.ts';
import { loadLocalConfig } from './config.ts';
import { createLocalLogger } from './logger.ts';
import { startLocalService } from './runner.ts';

/** `npm start`: config errors exit 2 before anything listens; Ctrl-C finishes in-flight work and exits 0. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadLocalConfig> | undefined;
  const problems: string[] = [];
  try {
    config = loadLocalConfig(process.env);
  } catch (error) {
    problems.push(isAppError(error) ? error.message : String(error));
  }
  // GROUP_MAPPING's own shape is checked now too, so one start names every bad setting (the
  // runner checks the help centers it names once they are known).
  try {
    parseGroupMapping(process.env.GROUP_MAPPING);
  } catch (error) {
    problems.push(isAppError(error) ? error.message : String(error));
  }
  if (config === undefined || problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n`);
    process.exit(2);
  }
  const logger = createLocalLogger({
    format: config.LOG_FORMAT,
    level: config.LOG_LEVEL,
    colour: config.LOG_FORMAT === 'pretty' && process.stdout.isTTY === true,
  });
  let service: Awaited<ReturnType<typeof startLocalService>>;
  try {
    service = await startLocalService(config, logger);
  } catch (error) {
    const configProblem =
      isAppError(error) && (error.kind === 'config' || error.name === 'ConfigError');
    process.stderr.write(
      `Could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(configProblem ? 2 : 1);
  }
  if (config.LOG_FORMAT === 'json') {
    logger.info('service ready', {
      url: service.url,
      sandbox: service.sandbox?.url,
      mode: config.mode,
    });
  } else {
    process.stdout.write(`${banner(config, service)}\n`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping: finishing the requests in flight', { signal });
    const { leftInQueue } = await service.close();
    if (leftInQueue > 0)
      logger.warn('saved queued work for the next start', { messages: leftInQueue });
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
