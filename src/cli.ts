import { ConfigError, parseConfig, usage } from './config.js';
import { startCoffer } from './coffer.js';

/** `coffer [options]`: starts the server, prints how to reach it, stops cleanly on SIGINT/SIGTERM. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
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
  const coffer = await startCoffer(config);
  const { accessKeyId, secretAccessKey } = coffer.rootUser;
  console.log(`Coffer is serving S3 on ${coffer.endpoint} (region ${coffer.region}, data in ${config.dataDir})`);
  console.log(`Credentials${coffer.generatedCredentials ? ' (generated, kept in the data dir)' : ''}:`);
  console.log(`  AccessKeyId:     ${accessKeyId}`);
  console.log(`  SecretAccessKey: ${secretAccessKey}`);
  console.log('AWS CLI:');
  console.log(`  export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} AWS_DEFAULT_REGION=${coffer.region}`);
  console.log(`  aws --endpoint-url ${coffer.endpoint} s3 ls`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`${signal}: finishing in-flight requests…`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await coffer.close();
  console.log('Coffer stopped.');
  return 0;
}
