/**
 * boto3 (Debian's python3-boto3, run by /usr/bin/python3) against a real Coffer process: client and
 * resource APIs, paginators, waiters, the transfer manager, presigned URLs, SigV2 and virtual-hosted
 * addressing. The checks live in python/boto3_checks.py; each is reported here as its own test.
 */
import { after, before, describe, test } from 'node:test';
import { assertCheck, declaredChecks, runChecks, scriptPath, type ChecksOutcome } from './helpers/python-checks.js';
import { finishInterop, startInterop, type InteropContext } from './helpers/suite.js';
import { locateTool } from './helpers/tool.js';

const boto3 = locateTool('boto3', '/usr/bin/python3', { probe: ['-I', '-c', 'import boto3'], debianPackage: 'python3-boto3' });
const script = scriptPath('boto3_checks.py');

describe('boto3', { skip: boto3.skip }, () => {
  let context: InteropContext | undefined;
  let outcome: Promise<ChecksOutcome>;
  before(async () => {
    context = await startInterop(boto3);
    outcome = runChecks(boto3, script, context.server, context.scratch);
    outcome.catch(() => {}); // reported by every test below
  });
  after(() => finishInterop(boto3, context));

  for (const name of declaredChecks(script)) {
    test(`boto3 ${name}`, async (t) => {
      assertCheck('boto3', await outcome, name, (note) => t.diagnostic(note));
    });
  }
});
