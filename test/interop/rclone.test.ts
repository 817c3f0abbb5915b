/**
 * rclone (Debian's rclone, /usr/bin/rclone) against a real Coffer process through an `s3` remote
 * (provider Other, path style) configured entirely by environment: sync, check, copy (down and
 * server-side), lsjson --hash, rcat of a stream, purge.
 */
import { after, before, describe, test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { md5, multipartEtag, payload, readTree, removeDir, sampleTree, tempDir, treeSummary, writeTree } from './helpers/files.js';
import { rawRequest, signV4 } from '../helpers/raw-request.js';
import { bucketName, finishInterop, startInterop, type InteropContext } from './helpers/suite.js';
import { describeRun, expectExitCode, expectSame, expectSuccess, expectThat, InteropFailure, locateTool, minimalEnv, runTool, type ToolRun } from './helpers/tool.js';

const rclone = locateTool('rclone', '/usr/bin/rclone', { probe: ['version'], debianPackage: 'rclone' });

class Rclone {
  private readonly env: Record<string, string>;
  constructor(
    private readonly context: InteropContext,
    private readonly configFile: string,
  ) {
    const { server, scratch } = context;
    this.env = minimalEnv(scratch, {
      XDG_CACHE_HOME: join(scratch, 'cache'),
      XDG_CONFIG_HOME: join(scratch, 'config'),
      RCLONE_CONFIG_COFFER_TYPE: 's3',
      RCLONE_CONFIG_COFFER_PROVIDER: 'Other',
      RCLONE_CONFIG_COFFER_ENV_AUTH: 'false',
      RCLONE_CONFIG_COFFER_ACCESS_KEY_ID: server.accessKeyId,
      RCLONE_CONFIG_COFFER_SECRET_ACCESS_KEY: server.secretAccessKey,
      RCLONE_CONFIG_COFFER_ENDPOINT: server.endpoint,
      RCLONE_CONFIG_COFFER_REGION: server.region,
      RCLONE_CONFIG_COFFER_FORCE_PATH_STYLE: 'true',
    });
  }

  static async create(context: InteropContext): Promise<Rclone> {
    const configFile = join(context.scratch, 'rclone.conf');
    await writeFile(configFile, '');
    return new Rclone(context, configFile);
  }

  run(args: readonly string[], input?: Buffer): Promise<ToolRun> {
    const flags = ['--config', this.configFile, '--retries', '1', '--low-level-retries', '1', '--contimeout', '10s'];
    return runTool(rclone, [...args, ...flags], { env: this.env, input }, this.context.server);
  }

  async ok(args: readonly string[], input?: Buffer): Promise<ToolRun> {
    return expectSuccess(await this.run(args, input), `rclone ${args[0]}`);
  }
}

/** Files rclone says it copied (`-v` logs `INFO  : path: Copied (new)`). */
function copied(run: ToolRun): string[] {
  return [...run.stderr.matchAll(/INFO\s+:\s+(.*?): Copied \((?:new|replaced existing|server-side copy)\)/g)].map((m) => m[1]).sort();
}

describe('rclone', { skip: rclone.skip, concurrency: 3 }, () => {
  let context: InteropContext;
  let rc: Rclone;
  before(async () => {
    context = await startInterop(rclone);
    rc = await Rclone.create(context);
  });
  after(() => finishInterop(rclone, context));

  test('rclone sync up, sync again (nothing), check (equal, then a changed file), copy down', async () => {
    const bucket = bucketName('rclone', 'sync');
    const dir = await tempDir('rclone-sync');
    try {
      const tree = sampleTree();
      const src = join(dir, 'src');
      await writeTree(src, tree);
      await rc.ok(['mkdir', `coffer:${bucket}`]);
      const up = await rc.ok(['sync', '-v', src, `coffer:${bucket}/tree`]);
      expectSame(up, 'rclone sync up: files copied', [...tree.keys()].sort(), copied(up));
      const again = await rc.ok(['sync', '-v', src, `coffer:${bucket}/tree`]);
      expectSame(again, 'second rclone sync must copy nothing', [], copied(again));
      await rc.ok(['check', src, `coffer:${bucket}/tree`]);

      // Same size, other bytes: only the hash (the ETag) can tell.
      const changed = Buffer.from(tree.get('a.txt')!);
      changed[0] ^= 0xff;
      await writeFile(join(src, 'a.txt'), changed);
      const differs = expectExitCode(await rc.run(['check', src, `coffer:${bucket}/tree`]), 1, 'rclone check after changing a.txt locally');
      expectThat(differs, 'rclone check must name a.txt as differing', /a\.txt: (md5 )?(differ|sizes differ)/.test(differs.stderr));

      const dst = join(dir, 'dst');
      const down = await rc.ok(['copy', `coffer:${bucket}/tree`, dst]);
      expectSame(down, 'rclone copy down: local tree vs the uploaded one', treeSummary(tree), treeSummary(await readTree(dst)));
      expectSame(down, 'rclone copy down: bytes', tree, await readTree(dst));
    } finally {
      await removeDir(dir);
    }
  });

  test('rclone copy between buckets (server-side) and check', async () => {
    const from = bucketName('rclone', 'copy-from');
    const to = bucketName('rclone', 'copy-to');
    const dir = await tempDir('rclone-copy');
    try {
      const tree = sampleTree();
      await writeTree(dir, tree);
      await rc.ok(['mkdir', `coffer:${from}`]);
      await rc.ok(['copy', dir, `coffer:${from}/tree`]);
      const copy = await rc.ok(['copy', '-v', `coffer:${from}/tree`, `coffer:${to}/copied`]);
      expectSame(copy, 'rclone copy bucket → bucket: files copied', [...tree.keys()].sort(), copied(copy));
      await rc.ok(['check', `coffer:${from}/tree`, `coffer:${to}/copied`]);
      await rc.ok(['check', dir, `coffer:${to}/copied`]);
    } finally {
      await removeDir(dir);
    }
  });

  test('rclone lsjson --hash -R (ListObjects v1 and v2): sizes and MD5s of every object', async () => {
    const bucket = bucketName('rclone', 'lsjson');
    const dir = await tempDir('rclone-lsjson');
    try {
      const tree = sampleTree();
      await writeTree(dir, tree);
      await rc.ok(['mkdir', `coffer:${bucket}`]);
      await rc.ok(['copy', dir, `coffer:${bucket}`]);
      // Provider "Other" lists with ListObjects (v1) by default; --s3-list-version 2 uses ListObjectsV2.
      for (const listVersion of ['1', '2']) {
        const ls = await rc.ok(['lsjson', '--hash', '--files-only', '-R', '--s3-list-version', listVersion, `coffer:${bucket}`]);
        let entries: Array<{ Path: string; Size: number; Hashes?: { md5?: string } }>;
        try {
          entries = JSON.parse(ls.stdout.toString());
        } catch {
          throw new InteropFailure(describeRun(ls, 'rclone lsjson output is not JSON'));
        }
        expectSame(
          ls,
          `rclone lsjson --hash -R --s3-list-version ${listVersion}: path, size, md5`,
          [...tree].map(([path, data]) => ({ path, size: data.length, md5: md5(data) })).sort((a, b) => (a.path < b.path ? -1 : 1)),
          entries.map((e) => ({ path: e.Path, size: e.Size, md5: e.Hashes?.md5 })).sort((a, b) => (a.path < b.path ? -1 : 1)),
        );
      }
    } finally {
      await removeDir(dir);
    }
  });

  test('rclone rcat of a stream (small: one PUT; 7 MiB: multipart) and cat', async () => {
    const bucket = bucketName('rclone', 'rcat');
    await rc.ok(['mkdir', `coffer:${bucket}`]);
    const streams = [
      { name: 'small.bin', data: payload(50_000), etag: (d: Buffer) => `"${md5(d)}"` },
      // Past --streaming-upload-cutoff (100 KiB) rclone streams a multipart upload in 5 MiB chunks.
      { name: 'streamed.bin', data: payload(7 * 1024 * 1024 + 3), etag: (d: Buffer) => `"${multipartEtag(d, 5 * 1024 * 1024)}"` },
    ];
    for (const { name, data, etag } of streams) {
      const rcat = await rc.ok(['rcat', `coffer:${bucket}/${name}`], data);
      const cat = await rc.ok(['cat', `coffer:${bucket}/${name}`]);
      expectSame(rcat, `rclone cat after rclone rcat of ${data.length} bytes`, data, cat.stdout);
      // The stored ETag says how rclone uploaded it (one PUT, or md5 of part MD5s "-2").
      const { server } = context;
      const path = `/${bucket}/${name}`;
      const head = await rawRequest(server.endpoint, {
        method: 'HEAD',
        path,
        headers: signV4({ method: 'HEAD', path, host: `${server.host}:${server.port}`, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }),
      });
      expectSame(rcat, `ETag of the object rclone rcat wrote (${data.length} bytes)`, etag(data), head.headers.etag);
    }
  });

  test('rclone purge of a bucket', async () => {
    const bucket = bucketName('rclone', 'purge');
    const dir = await tempDir('rclone-purge');
    try {
      const tree = sampleTree();
      await writeTree(dir, tree);
      await rc.ok(['mkdir', `coffer:${bucket}`]);
      await rc.ok(['copy', dir, `coffer:${bucket}/x`]);
      const purge = await rc.ok(['purge', `coffer:${bucket}`]);
      const lsd = await rc.ok(['lsd', 'coffer:']);
      expectThat(purge, `rclone purge: bucket ${bucket} still listed by rclone lsd`, !lsd.stdout.toString().includes(bucket));
    } finally {
      await removeDir(dir);
    }
  });
});
