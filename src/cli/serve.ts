import { join } from 'node:path';
import { ConfigError, parseConfig, redactUrl, usage } from '../config.js';
import { startCoffer } from '../coffer.js';
import { createLogger } from '../observe/logger.js';

/** `coffer serve [options]`: starts the server, prints how to reach it, stops cleanly on SIGINT/SIGTERM. */
export async function runServe(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let config;
  try {
    config = parseConfig(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (config === 'help') {
    console.log(usage());
    return 0;
  }
  const logger = createLogger(config.logLevel);
  let coffer;
  try {
    coffer = await startCoffer({ ...config, logger });
  } catch (error) {
    // Start-up failures (a malformed users file, the port in use, an unwritable data dir) are the
    // operator's to fix: one line saying what, not a stack trace.
    console.error(`coffer: cannot start: ${(error as Error).message}`);
    return 1;
  }
  // The log is written in batches (observe/logger.ts): the start-up lines (warnings about the data
  // dir, the gateway id) go out now, before the banner, not up to a batch's wait later.
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  const reloadTls = () => {
    coffer.reloadTls().then(
      () => logger.info('TLS certificate and key reloaded (new connections use them)'),
      (error: unknown) => logger.error({ err: error }, 'TLS reload failed: still serving the previous certificate'),
    );
  };
  if (config.tlsCert) process.on('SIGHUP', reloadTls);
  // Listening for signals before the banner: whoever reads the banner may signal at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`${signal}: finishing in-flight requests…`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

  const { accessKeyId } = coffer.rootUser;
  // The secret is shown once, when it is made; later it is where the operator put it.
  const secret = coffer.generatedCredentials
    ? coffer.rootUser.secretAccessKey
    : config.accessKeyId && config.secretAccessKey ? '"$COFFER_SECRET_ACCESS_KEY"' : `<in ${join(config.dataDir, 'root-credentials.json')}>`;
  const metadata = config.metadata === 'sqlite' ? '' : `, metadata in ${redactUrl(config.metadata)}`;
  console.log(`Coffer is serving S3 on ${coffer.endpoint} (region ${coffer.region}, data in ${config.dataDir}${metadata})`);
  console.log(`Account ${coffer.accountId}; users: coffer user add NAME (policies name them arn:aws:iam::${coffer.accountId}:user/NAME)`);
  console.log(`Credentials${coffer.generatedCredentials ? ' (generated, kept in the data dir)' : ''}:`);
  console.log(`  AccessKeyId:     ${accessKeyId}`);
  console.log(`  SecretAccessKey: ${secret}`);
  console.log('AWS CLI:');
  console.log(`  export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secret} AWS_DEFAULT_REGION=${coffer.region}`);
  console.log(`  aws --endpoint-url ${coffer.endpoint} s3 ls`);
  console.log(`Web console: ${coffer.endpoint}/_console/ (admin API: ${coffer.endpoint}/_admin/v1/, docs/admin-api.md)`);
  if (coffer.metricsEndpoint) console.log(`Metrics: ${coffer.metricsEndpoint}`);
  if (coffer.websiteEndpoint) console.log(`Websites: ${coffer.websiteEndpoint} (Host: BUCKET.s3-website.${config.domain} or the bucket name)`);
  await stopped;
  process.off('SIGHUP', reloadTls);
  await coffer.close();
  console.log('Coffer stopped.');
  return 0;
}
