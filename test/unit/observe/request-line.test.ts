import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger, isoTime, requestLineWriter, type RequestLine } from '../../../src/observe/logger.js';
import { REPO_ROOT } from '../../helpers/coffer-entry.js';

const base: RequestLine = {
  requestId: '18A2B3C4D5E6F7A8', method: 'GET', path: '/bucket/key', query: undefined, host: '127.0.0.1:9000', operation: 'GetObject',
  status: 200, errorCode: undefined, bytesIn: 612, bytesOut: 4500, ms: 1.3, accessKeyId: 'AKIAIOSFODNN7EXAMPLE', remote: '127.0.0.1',
};

test('requestLineWriter: the same bytes as pino writes for logger.info(fields, "request")', () => {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const write = requestLineWriter(logger);
  const cases: RequestLine[] = [
    base,
    { ...base, method: undefined, query: 'uploads=&x-amz-signature=REDACTED', host: undefined, errorCode: 'NoSuchKey', accessKeyId: undefined, remote: undefined, status: 404 },
    { ...base, path: '/b/a"quote\\back\\slash"', host: 'h"\\' },
    { ...base, path: '/b/\u0001control\ttab\u001f', query: '\u007f\u0080\u00ff' },
    { ...base, path: `/b/${'long"'.repeat(30)}`, query: `${'x'.repeat(100)}"` },
    { ...base, path: '/b/ünïcødé/\u2028/😀', ms: Number.NaN, bytesIn: Number.POSITIVE_INFINITY, bytesOut: 0, status: 499 },
    { ...base, path: '', query: '', errorCode: '' },
  ];
  const realNow = Date.now;
  try {
    for (const [i, fields] of cases.entries()) {
      Date.now = () => 1_764_547_543_007 + i * 1_000_003;
      lines.length = 0;
      logger.info({ ...fields }, 'request');
      write(fields);
      assert.equal(lines.length, 2);
      assert.equal(lines[1], lines[0], `case ${i}`);
    }
  } finally {
    Date.now = realNow;
  }
});

test('requestLineWriter: another logger (a child, or one not made by createLogger) is called as usual', () => {
  const lines: string[] = [];
  const child = createLogger('info', { write: (line: string) => void lines.push(line) }).child({ component: 'x' });
  requestLineWriter(child)(base);
  assert.equal(lines.length, 1);
  const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(parsed.component, 'x');
  assert.equal(parsed.msg, 'request');
  assert.equal(parsed.requestId, base.requestId);
});

test('isoTime: pino\'s isoTime text, for times across seconds, days and years', () => {
  const realNow = Date.now;
  try {
    for (const now of [0, 1, 9, 10, 99, 100, 999, 1000, 1_764_547_543_007, 1_764_547_543_999, 1_764_547_544_000, 1_767_225_599_999, 1_767_225_600_000, 253_402_300_799_999, 253_402_300_800_000]) {
      Date.now = () => now;
      assert.equal(isoTime(), `,"time":"${new Date(now).toISOString()}"`);
    }
  } finally {
    Date.now = realNow;
  }
});

test('createLogger on stdout: the lines of the turn the process exits in are written, in order (process.exit, and an uncaught throw)', async () => {
  const { spawnSync } = await import('node:child_process');
  const logger = pathToFileURL(join(REPO_ROOT, 'src/observe/logger.ts')).href;
  for (const [ending, code] of [['process.exit(3)', 3], ["throw new Error('boom')", 1]] as const) {
    const script = `const { createLogger } = await import(${JSON.stringify(logger)});
      const logger = createLogger('info');
      for (let i = 0; i < 5; i++) logger.info({ i }, 'line');
      logger.error('last words'); // not fatal: pino flushes after a fatal line itself
      ${ending};`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.status, code, child.stderr);
    const lines = child.stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; i?: number });
    assert.deepEqual(lines.map((line) => line.msg), ['line', 'line', 'line', 'line', 'line', 'last words'], ending);
    assert.deepEqual(lines.slice(0, 5).map((line) => line.i), [0, 1, 2, 3, 4]);
  }
});
