/**
 * s3cmd (Debian's s3cmd, /usr/bin/s3cmd) against a real Coffer process, once signing with SigV4
 * and once with `signature_v2 = True`: mb, put, ls, info, get, sync both ways, multipart put, del, rb.
 */
import { after, before, describe, test } from 'node:test';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { md5, payload, readTree, removeDir, sampleTree, tempDir, treeSummary, writeTree } from './helpers/files.js';
import { bucketName, finishInterop, startInterop, type InteropContext } from './helpers/suite.js';
import { expectSame, expectSuccess, expectThat, locateTool, minimalEnv, runTool, type ToolRun } from './helpers/tool.js';

const s3cmd = locateTool('s3cmd', '/usr/bin/s3cmd', { probe: ['--version'], debianPackage: 's3cmd' });

type Signature = 'v4' | 'v2';

/** Tests run two at a time: each gets its own home, so one never rewrites a config another is reading. */
let homes = 0;

class S3cmd {
  constructor(
    private readonly context: InteropContext,
    private readonly config: string,
    private readonly home: string,
  ) {}

  static async create(context: InteropContext, signature: Signature): Promise<S3cmd> {
    const home = join(context.scratch, `home-${signature}-${++homes}`);
    await mkdir(home, { recursive: true });
    const { server } = context;
    const address = `${server.host}:${server.port}`;
    const config = join(home, 's3cfg');
    await writeFile(
      config,
      [
        '[default]',
        `access_key = ${server.accessKeyId}`,
        `secret_key = ${server.secretAccessKey}`,
        `host_base = ${address}`,
        // No %(bucket)s in host_bucket: path-style requests.
        `host_bucket = ${address}`,
        `bucket_location = ${server.region}`,
        'use_https = False',
        `signature_v2 = ${signature === 'v2' ? 'True' : 'False'}`,
        'progress_meter = False',
        'multipart_chunk_size_mb = 5',
        'check_ssl_certificate = False',
        'proxy_host =',
        '',
      ].join('\n'),
    );
    return new S3cmd(context, config, home);
  }

  run(args: readonly string[], input?: Buffer): Promise<ToolRun> {
    return runTool(s3cmd, ['-c', this.config, '--no-progress', ...args], { env: minimalEnv(this.home), input }, this.context.server);
  }

  async ok(args: readonly string[], input?: Buffer): Promise<ToolRun> {
    return expectSuccess(await this.run(args, input), `s3cmd ${args[0]}`);
  }
}

/** `upload: 'x' -> 's3://…'` / `download: …` lines. */
function transfers(run: ToolRun, verb: 'upload' | 'download' | 'delete'): string[] {
  return run.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${verb}:`))
    .map((l) => l.trim())
    .sort();
}

/** `s3cmd ls` rows → `key  size` (directories as `DIR prefix`). */
function lsRows(run: ToolRun, bucket: string): string[] {
  return run.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const dir = /^\s*DIR\s+s3:\/\/[^/]+\/(.*)$/.exec(l);
      if (dir) return `DIR ${dir[1]}`;
      const file = /^\S+\s+\S+\s+(\d+)\s+s3:\/\/([^/]+)\/(.*)$/.exec(l);
      return file && file[2] === bucket ? `${file[3]}  ${file[1]} B` : `?? ${l}`;
    })
    .sort();
}

describe('s3cmd', { skip: s3cmd.skip, concurrency: 2 }, () => {
  let context: InteropContext;
  before(async () => {
    context = await startInterop(s3cmd);
  });
  after(() => finishInterop(s3cmd, context));

  for (const signature of ['v4', 'v2'] as const) {
    const mode = signature === 'v2' ? 'signature_v2 = True' : 'SigV4';

    test(`s3cmd (${mode}): mb, put with metadata, info, get, del, rb`, async () => {
      const cli = await S3cmd.create(context, signature);
      const bucket = bucketName('s3cmd', `${signature}-basic`);
      const dir = await tempDir(`s3cmd-${signature}`);
      try {
        const mb = await cli.ok(['mb', `s3://${bucket}`]);
        expectSame(mb, 's3cmd mb output', `Bucket 's3://${bucket}/' created`, mb.stdout.toString().trim());
        const data = payload(200_000);
        await writeFile(join(dir, 'one.bin'), data);
        await cli.ok(['put', '--add-header=x-amz-meta-title:my title', '--mime-type=application/x-coffer', join(dir, 'one.bin'), `s3://${bucket}/dir/one.bin`]);
        const info = await cli.ok(['info', `s3://${bucket}/dir/one.bin`]);
        const text = info.stdout.toString();
        expectSame(
          info,
          's3cmd info: size, MD5, type, x-amz-meta-title',
          { size: String(data.length), md5: md5(data), type: 'application/x-coffer', title: 'my title' },
          {
            size: /File size:\s*(\d+)/.exec(text)?.[1],
            md5: /MD5 sum:\s*([0-9a-f]+)/.exec(text)?.[1],
            type: /MIME type:\s*(\S+)/.exec(text)?.[1],
            title: /x-amz-meta-title:\s*(.+)/.exec(text)?.[1]?.trim(),
          },
        );
        const get = await cli.ok(['get', '--force', `s3://${bucket}/dir/one.bin`, join(dir, 'one.down')]);
        expectSame(get, 's3cmd get: downloaded bytes', data, await readFile(join(dir, 'one.down')));
        const del = await cli.ok(['del', `s3://${bucket}/dir/one.bin`]);
        expectSame(del, 's3cmd del output', [`delete: 's3://${bucket}/dir/one.bin'`], transfers(del, 'delete'));
        const rb = await cli.ok(['rb', `s3://${bucket}`]);
        expectSame(rb, 's3cmd rb output', `Bucket 's3://${bucket}/' removed`, rb.stdout.toString().trim());
      } finally {
        await removeDir(dir);
      }
    });

    test(`s3cmd (${mode}): sync up, ls, sync again (nothing), sync down, del --recursive`, async () => {
      const cli = await S3cmd.create(context, signature);
      const bucket = bucketName('s3cmd', `${signature}-sync`);
      const dir = await tempDir(`s3cmd-${signature}-sync`);
      try {
        await cli.ok(['mb', `s3://${bucket}`]);
        const tree = sampleTree();
        const src = join(dir, 'src');
        await writeTree(src, tree);
        const up = await cli.ok(['sync', `${src}/`, `s3://${bucket}/tree/`]);
        expectSame(up, 's3cmd sync up: number of uploads', tree.size, transfers(up, 'upload').length);
        const ls = await cli.ok(['ls', '--recursive', `s3://${bucket}/tree/`]);
        expectSame(ls, 's3cmd ls --recursive after sync', [...tree].map(([k, v]) => `tree/${k}  ${v.length} B`).sort(), lsRows(ls, bucket));
        const top = await cli.ok(['ls', `s3://${bucket}/tree/`]);
        expectSame(
          top,
          's3cmd ls (one level: files and DIR prefixes)',
          ['DIR tree/a/', 'DIR tree/docs/', 'DIR tree/z/', `tree/a.txt  ${tree.get('a.txt')!.length} B`, 'tree/empty.dat  0 B'].sort(),
          lsRows(top, bucket),
        );
        const again = await cli.ok(['sync', `${src}/`, `s3://${bucket}/tree/`]);
        expectSame(again, 'second s3cmd sync up must upload nothing', [], transfers(again, 'upload'));
        const dst = join(dir, 'dst');
        const down = await cli.ok(['sync', `s3://${bucket}/tree/`, `${dst}/`]);
        expectSame(down, 's3cmd sync down: local tree vs the uploaded one', treeSummary(tree), treeSummary(await readTree(dst)));
        expectSame(down, 's3cmd sync down: bytes', tree, await readTree(dst));
        const rest = await cli.ok(['del', '--recursive', '--force', `s3://${bucket}`]);
        expectSame(rest, 's3cmd del --recursive: number deleted', tree.size, transfers(rest, 'delete').length);
        await cli.ok(['rb', `s3://${bucket}`]);
      } finally {
        await removeDir(dir);
      }
    });

    test(`s3cmd (${mode}): multipart put (6 MiB in 5 MiB chunks) and get`, async () => {
      const cli = await S3cmd.create(context, signature);
      const bucket = bucketName('s3cmd', `${signature}-multipart`);
      const dir = await tempDir(`s3cmd-${signature}-mp`);
      try {
        await cli.ok(['mb', `s3://${bucket}`]);
        const big = payload(6 * 1024 * 1024 + 100);
        await writeFile(join(dir, 'big.bin'), big);
        const put = await cli.ok(['--debug', 'put', join(dir, 'big.bin'), `s3://${bucket}/big.bin`]);
        expectThat(put, 's3cmd put of 6 MiB with 5 MiB chunks must be a 2-part multipart upload', /MultiPart: Uploading .* in 2 parts/.test(put.stderr));
        // s3cmd keeps the whole file's MD5 in x-amz-meta-s3cmd-attrs and lists it for multipart objects.
        const ls = await cli.ok(['ls', '--list-md5', `s3://${bucket}/big.bin`]);
        expectSame(ls, 's3cmd ls --list-md5 of the multipart object', md5(big), /\s([0-9a-f]{32})\s+s3:\/\//.exec(ls.stdout.toString())?.[1]);
        const get = await cli.ok(['get', '--force', `s3://${bucket}/big.bin`, join(dir, 'big.down')]);
        expectSame(get, 's3cmd get of the multipart object: bytes', big, await readFile(join(dir, 'big.down')));
      } finally {
        await removeDir(dir);
      }
    });
  }
});
