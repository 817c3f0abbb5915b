/**
 * AWS CLI v2 (Debian's awscli, /usr/bin/aws) against a real Coffer process: the high-level `s3`
 * commands users type, and `s3api` calls for each implemented operation family. Each command is
 * forked from one interpreter that has loaded the CLI already (helpers/forked-aws.ts).
 */
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { md5, multipartEtag, payload, readTree, removeDir, sampleTree, tempDir, treeSummary, writeTree, type Tree } from './helpers/files.js';
import { ForkedAws } from './helpers/forked-aws.js';
import { bucketName, finishInterop, startInterop, type InteropContext } from './helpers/suite.js';
import { describeRun, expectSame, expectSuccess, expectThat, InteropFailure, locateTool, minimalEnv, runTool, type ToolRun } from './helpers/tool.js';

const aws = locateTool('awscli', '/usr/bin/aws', { probe: ['--version'], debianPackage: 'awscli' });
const CURL = locateTool('curl', '/usr/bin/curl', { probe: ['--version'], debianPackage: 'curl' });

class AwsCli {
  private constructor(
    private readonly context: InteropContext,
    private readonly forked: ForkedAws,
  ) {}

  static async create(context: InteropContext): Promise<AwsCli> {
    const home = join(context.scratch, 'home');
    await mkdir(home, { recursive: true });
    const { server } = context;
    await writeFile(join(home, 'config'), `[default]\nregion = ${server.region}\noutput = json\ncli_pager =\n`);
    await writeFile(join(home, 'credentials'), `[default]\naws_access_key_id = ${server.accessKeyId}\naws_secret_access_key = ${server.secretAccessKey}\n`);
    const env = minimalEnv(home, {
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    });
    return new AwsCli(context, await ForkedAws.start(aws, env, join(context.scratch, 'aws-io')));
  }

  close(): Promise<void> {
    return this.forked.close();
  }

  run(args: readonly string[], options: { cwd?: string; input?: Buffer | string } = {}): Promise<ToolRun> {
    // Transfer commands print \r-separated progress between their result lines unless told not to.
    const quiet = args[0] === 's3' && ['cp', 'mv', 'sync'].includes(args[1]) ? ['--no-progress'] : [];
    return this.forked.run(['--endpoint-url', this.context.server.endpoint, ...args, ...quiet], options, this.context.server);
  }

  /** Runs and requires exit 0. */
  async ok(args: readonly string[], options: { cwd?: string; input?: Buffer | string } = {}): Promise<ToolRun> {
    return expectSuccess(await this.run(args, options), `aws ${args.slice(0, 2).join(' ')}`);
  }

  /** `aws s3api …` with JSON output, parsed. */
  async api<T = any>(args: readonly string[]): Promise<{ run: ToolRun; out: T }> {
    const run = await this.ok(['s3api', ...args]);
    const text = run.stdout.toString('utf8').trim();
    try {
      return { run, out: (text === '' ? {} : JSON.parse(text)) as T };
    } catch {
      throw new InteropFailure(describeRun(run, `aws s3api ${args[0]}: output is not JSON`));
    }
  }

  /** Requires the call to fail with this S3 error code (awscli exits 254 on service errors). */
  async fails(args: readonly string[], code: string): Promise<ToolRun> {
    const run = await this.run(args);
    expectThat(run, `aws ${args.slice(0, 2).join(' ')}: expected error ${code}`, run.code === 254 && run.stderr.includes(`(${code})`));
    return run;
  }
}

/** `upload: … to s3://…` / `download: …` / `copy: …` / `delete: …` lines of an `aws s3` command. */
function transfers(run: ToolRun): string[] {
  return run.stdout
    .toString('utf8')
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter((l) => /^(upload|download|copy|move|delete):/.test(l))
    // Local paths are printed relative to the working directory: keep the S3 side only.
    .map((l) => l.replace(/^upload: .* to (s3:\/\/.*)$/, 'upload: $1').replace(/^download: (s3:\/\/.*) to .*$/, 'download: $1'))
    .sort();
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Keys under s3://bucket/prefix per `aws s3api list-objects-v2` (all pages), with sizes. */
async function listing(cli: AwsCli, bucket: string, prefix = ''): Promise<string[]> {
  const { out } = await cli.api<{ Contents?: Array<{ Key: string; Size: number }> }>(['list-objects-v2', '--bucket', bucket, '--prefix', prefix]);
  return (out.Contents ?? []).map((o) => `${o.Key}  ${o.Size} B`).sort();
}

function expectedListing(tree: Tree, prefix = ''): string[] {
  return [...tree].map(([k, v]) => `${prefix}${k}  ${v.length} B`).sort();
}

describe('awscli', { skip: aws.skip, concurrency: 4 }, () => {
  let context: InteropContext;
  let cli: AwsCli;
  before(async () => {
    context = await startInterop(aws);
    cli = await AwsCli.create(context);
  });
  after(async () => {
    await cli?.close();
    await finishInterop(aws, context);
  });

  test('aws s3 mb / ls / rb', async () => {
    const bucket = bucketName('awscli', 'mb');
    const mb = await cli.ok(['s3', 'mb', `s3://${bucket}`]);
    expectSame(mb, 'aws s3 mb output', `make_bucket: ${bucket}`, mb.stdout.toString().trim());
    const ls = await cli.ok(['s3', 'ls']);
    const names = ls.stdout.toString().split('\n').map((l) => l.trim().split(/\s+/).pop());
    expectThat(ls, `aws s3 ls: bucket ${bucket} not listed`, names.includes(bucket));
    const rb = await cli.ok(['s3', 'rb', `s3://${bucket}`]);
    expectSame(rb, 'aws s3 rb output', `remove_bucket: ${bucket}`, rb.stdout.toString().trim());
    const again = await cli.ok(['s3', 'ls']);
    expectThat(again, `aws s3 ls: bucket ${bucket} still listed after rb`, !again.stdout.toString().includes(bucket));
  });

  test('aws s3 cp up, down, stdin and stdout, with metadata', async () => {
    const bucket = bucketName('awscli', 'cp');
    const dir = await tempDir('awscli-cp');
    try {
      await cli.ok(['s3', 'mb', `s3://${bucket}`]);
      const data = payload(1_234_567);
      await writeFile(join(dir, 'up.bin'), data);
      await cli.ok(['s3', 'cp', join(dir, 'up.bin'), `s3://${bucket}/dir/up.bin`, '--metadata', 'purpose=interop,tool=awscli', '--content-type', 'application/x-coffer']);
      const down = await cli.ok(['s3', 'cp', `s3://${bucket}/dir/up.bin`, join(dir, 'down.bin')]);
      expectSame(down, 'aws s3 cp down: downloaded bytes', data, await readFile(join(dir, 'down.bin')));

      const head = await cli.api(['head-object', '--bucket', bucket, '--key', 'dir/up.bin']);
      expectSame(
        head.run,
        'head-object after aws s3 cp --metadata --content-type',
        { ContentLength: data.length, ContentType: 'application/x-coffer', ETag: `"${md5(data)}"`, Metadata: { purpose: 'interop', tool: 'awscli' } },
        { ContentLength: head.out.ContentLength, ContentType: head.out.ContentType, ETag: head.out.ETag, Metadata: head.out.Metadata },
      );

      const streamed = payload(100_000);
      await cli.ok(['s3', 'cp', '-', `s3://${bucket}/from-stdin`], { input: streamed });
      const out = await cli.ok(['s3', 'cp', `s3://${bucket}/from-stdin`, '-']);
      expectSame(out, 'aws s3 cp s3://… - (stdout) after cp - s3://… (stdin)', streamed, out.stdout);
    } finally {
      await removeDir(dir);
    }
  });

  test('aws s3 mv local → s3 → s3 → local', async () => {
    const bucket = bucketName('awscli', 'mv');
    const dir = await tempDir('awscli-mv');
    try {
      await cli.ok(['s3', 'mb', `s3://${bucket}`]);
      const data = payload(50_000);
      await writeFile(join(dir, 'src.bin'), data);
      const up = await cli.ok(['s3', 'mv', join(dir, 'src.bin'), `s3://${bucket}/one.bin`]);
      expectThat(up, 'aws s3 mv local → s3: the local file still exists', !existsSync(join(dir, 'src.bin')));
      await cli.ok(['s3', 'mv', `s3://${bucket}/one.bin`, `s3://${bucket}/two.bin`]);
      await cli.fails(['s3api', 'head-object', '--bucket', bucket, '--key', 'one.bin'], '404');
      const down = await cli.ok(['s3', 'mv', `s3://${bucket}/two.bin`, join(dir, 'back.bin')]);
      expectSame(down, 'aws s3 mv s3 → local: bytes after two moves', data, await readFile(join(dir, 'back.bin')));
      await cli.fails(['s3api', 'head-object', '--bucket', bucket, '--key', 'two.bin'], '404');
    } finally {
      await removeDir(dir);
    }
  });

  test('aws s3 sync up, again (nothing), down, again (nothing), --delete', async () => {
    const bucket = bucketName('awscli', 'sync');
    const src = await tempDir('awscli-sync-src');
    const dst = await tempDir('awscli-sync-dst');
    try {
      const tree = sampleTree();
      await writeTree(src, tree);
      await cli.ok(['s3', 'mb', `s3://${bucket}`]);
      const up = await cli.ok(['s3', 'sync', src, `s3://${bucket}/tree`]);
      expectSame(up, 'aws s3 sync up: files uploaded', [...tree.keys()].sort(), transfers(up).map((l) => l.replace(/^upload: s3:\/\/[^/]+\/tree\//, '')).sort());
      expectSame(up, 'listing after aws s3 sync up', expectedListing(tree, 'tree/'), await listing(cli, bucket, 'tree/'));

      const upAgain = await cli.ok(['s3', 'sync', src, `s3://${bucket}/tree`]);
      expectSame(upAgain, 'second aws s3 sync up must transfer nothing', [], transfers(upAgain));

      const down = await cli.ok(['s3', 'sync', `s3://${bucket}/tree`, dst]);
      expectSame(down, 'aws s3 sync down: local tree vs the uploaded one', treeSummary(tree), treeSummary(await readTree(dst)));
      expectSame(down, 'aws s3 sync down: bytes', tree, await readTree(dst));
      const downAgain = await cli.ok(['s3', 'sync', `s3://${bucket}/tree`, dst]);
      expectSame(downAgain, 'second aws s3 sync down must transfer nothing', [], transfers(downAgain));

      await rm(join(src, 'a.txt'));
      const changed = payload(1234);
      await writeFile(join(src, 'z', 'last.bin'), changed);
      const del = await cli.ok(['s3', 'sync', '--delete', src, `s3://${bucket}/tree`]);
      expectSame(
        del,
        'aws s3 sync --delete after removing a.txt and rewriting z/last.bin',
        [`delete: s3://${bucket}/tree/a.txt`, `upload: s3://${bucket}/tree/z/last.bin`],
        transfers(del),
      );
      tree.delete('a.txt');
      tree.set('z/last.bin', changed);
      expectSame(del, 'listing after aws s3 sync --delete', expectedListing(tree, 'tree/'), await listing(cli, bucket, 'tree/'));
    } finally {
      await removeDir(src);
      await removeDir(dst);
    }
  });

  test('aws s3 rm --recursive and rb --force', async () => {
    const bucket = bucketName('awscli', 'rm');
    const src = await tempDir('awscli-rm');
    try {
      const tree = sampleTree();
      await writeTree(src, tree);
      await cli.ok(['s3', 'mb', `s3://${bucket}`]);
      await cli.ok(['s3', 'cp', '--recursive', src, `s3://${bucket}/`]);
      const rm1 = await cli.ok(['s3', 'rm', '--recursive', `s3://${bucket}/docs/`]);
      const docs = [...tree.keys()].filter((k) => k.startsWith('docs/'));
      expectSame(rm1, 'aws s3 rm --recursive s3://…/docs/: deleted keys', docs.map((k) => `delete: s3://${bucket}/${k}`).sort(), transfers(rm1));
      for (const k of docs) tree.delete(k);
      expectSame(rm1, 'listing after aws s3 rm --recursive', expectedListing(tree), await listing(cli, bucket));
      const rb = await cli.ok(['s3', 'rb', '--force', `s3://${bucket}`]);
      const ls = await cli.ok(['s3', 'ls']);
      expectThat(rb, `aws s3 rb --force: bucket ${bucket} still listed`, !ls.stdout.toString().includes(bucket));
    } finally {
      await removeDir(src);
    }
  });

  test('aws s3 cp of a 50 MB file (multipart, 8 MiB parts)', async () => {
    const bucket = bucketName('awscli', 'big');
    const dir = await tempDir('awscli-big');
    try {
      const data = payload(50 * 1024 * 1024);
      await writeFile(join(dir, 'big.bin'), data);
      await cli.ok(['s3', 'mb', `s3://${bucket}`]);
      const up = await cli.ok(['s3', 'cp', join(dir, 'big.bin'), `s3://${bucket}/big.bin`]);
      const head = await cli.api(['head-object', '--bucket', bucket, '--key', 'big.bin']);
      expectSame(
        up,
        'head-object after a multipart aws s3 cp (ETag = md5 of part md5s, -7)',
        { ContentLength: data.length, ETag: `"${multipartEtag(data, 8 * 1024 * 1024)}"` },
        { ContentLength: head.out.ContentLength, ETag: head.out.ETag },
      );
      const down = await cli.ok(['s3', 'cp', `s3://${bucket}/big.bin`, join(dir, 'down.bin')]);
      const got = await readFile(join(dir, 'down.bin'));
      expectSame(down, 'aws s3 cp down of the 50 MB object: sha256', sha256(data), sha256(got));
    } finally {
      await removeDir(dir);
    }
  });

  test('aws s3 presign, fetched with an HTTP client', async () => {
    const bucket = bucketName('awscli', 'presign');
    await cli.ok(['s3', 'mb', `s3://${bucket}`]);
    const data = payload(10_000);
    await cli.ok(['s3', 'cp', '-', `s3://${bucket}/shared file.bin`], { input: data });
    const presign = await cli.ok(['s3', 'presign', `s3://${bucket}/shared file.bin`, '--expires-in', '300']);
    const url = presign.stdout.toString().trim();
    const response = await fetch(url);
    const body = Buffer.from(await response.arrayBuffer());
    expectSame(presign, `GET of the presigned URL ${url}`, { status: 200, body: sha256(data) }, { status: response.status, body: sha256(body) });
    // The signature is checked: the same URL for another key is refused.
    const tampered = await fetch(url.replace('shared%20file.bin', 'other.bin'));
    expectSame(presign, 'GET of the presigned URL with the key changed', 403, tampered.status);
  });

  test('aws s3api buckets: create, head, location, list, delete', async () => {
    const bucket = bucketName('awscli', 'api-bucket');
    await cli.api(['create-bucket', '--bucket', bucket]);
    await cli.api(['head-bucket', '--bucket', bucket]);
    const loc = await cli.api(['get-bucket-location', '--bucket', bucket]);
    expectSame(loc.run, 'get-bucket-location (us-east-1 is null)', null, loc.out.LocationConstraint ?? null);
    const list = await cli.api<{ Buckets: Array<{ Name: string }> }>(['list-buckets']);
    expectThat(list.run, `list-buckets: ${bucket} missing`, list.out.Buckets.some((b) => b.Name === bucket));
    // us-east-1 answers 200 to an owner re-creating its bucket (other regions: BucketAlreadyOwnedByYou).
    await cli.api(['create-bucket', '--bucket', bucket]);
    await cli.api(['delete-bucket', '--bucket', bucket]);
    await cli.fails(['s3api', 'head-bucket', '--bucket', bucket], '404');
    await cli.fails(['s3api', 'delete-bucket', '--bucket', bucket], 'NoSuchBucket');
  });

  test('aws s3api ACLs: put-bucket-acl, put-object --acl public-read, get-object-acl; the object is public', async () => {
    const bucket = bucketName('awscli', 'acl');
    const dir = await tempDir('awscli-acl');
    try {
      await cli.api(['create-bucket', '--bucket', bucket, '--object-ownership', 'ObjectWriter']);
      await cli.api(['delete-public-access-block', '--bucket', bucket]);
      await cli.api(['put-bucket-acl', '--bucket', bucket, '--acl', 'public-read']);
      const bucketAcl = await cli.api<{ Grants: Array<{ Grantee: { URI?: string }; Permission: string }> }>(['get-bucket-acl', '--bucket', bucket]);
      expectThat(bucketAcl.run, 'get-bucket-acl: AllUsers READ', bucketAcl.out.Grants.some((g) => g.Grantee.URI?.endsWith('/AllUsers') && g.Permission === 'READ'));
      await writeFile(join(dir, 'body'), 'public body');
      await cli.api(['put-object', '--bucket', bucket, '--key', 'k', '--body', join(dir, 'body'), '--acl', 'public-read']);
      const acl = await cli.api<{ Owner: { ID: string }; Grants: Array<{ Grantee: { Type: string; URI?: string }; Permission: string }> }>(['get-object-acl', '--bucket', bucket, '--key', 'k']);
      expectSame(
        acl.run,
        'get-object-acl grants',
        [['CanonicalUser', 'FULL_CONTROL'], ['Group', 'READ']],
        acl.out.Grants.map((g) => [g.Grantee.Type, g.Permission]),
      );
      const anonymous = await fetch(`${context.server.endpoint}/${bucket}/k`);
      expectSame(acl.run, 'anonymous GET of the public-read object', [200, 'public body'], [anonymous.status, await anonymous.text()]);
      await cli.api(['delete-object', '--bucket', bucket, '--key', 'k']);
      await cli.api(['delete-bucket', '--bucket', bucket]);
    } finally {
      await removeDir(dir);
    }
  });

  test('aws s3api objects: put, head, get (full and range), delete', async () => {
    const bucket = bucketName('awscli', 'api-object');
    const dir = await tempDir('awscli-api-object');
    try {
      await cli.api(['create-bucket', '--bucket', bucket]);
      await writeFile(join(dir, 'body'), 'this is a test');
      const put = await cli.api(['put-object', '--bucket', bucket, '--key', 'k', '--body', join(dir, 'body'), '--metadata', 'title=my title', '--content-type', 'text/plain']);
      expectSame(put.run, 'put-object ETag', '"54b0c58c7ce9f2a8b551351102ee0938"', put.out.ETag);
      const head = await cli.api(['head-object', '--bucket', bucket, '--key', 'k']);
      expectSame(
        head.run,
        'head-object',
        { ContentLength: 14, ContentType: 'text/plain', ETag: put.out.ETag, Metadata: { title: 'my title' } },
        { ContentLength: head.out.ContentLength, ContentType: head.out.ContentType, ETag: head.out.ETag, Metadata: head.out.Metadata },
      );
      const get = await cli.api(['get-object', '--bucket', bucket, '--key', 'k', join(dir, 'out')]);
      expectSame(get.run, 'get-object body', Buffer.from('this is a test'), await readFile(join(dir, 'out')));
      const range = await cli.api(['get-object', '--bucket', bucket, '--key', 'k', '--range', 'bytes=5-8', join(dir, 'range')]);
      expectSame(
        range.run,
        'get-object --range bytes=5-8',
        { ContentRange: 'bytes 5-8/14', ContentLength: 4, body: 'is a' },
        { ContentRange: range.out.ContentRange, ContentLength: range.out.ContentLength, body: (await readFile(join(dir, 'range'))).toString() },
      );
      await cli.api(['delete-object', '--bucket', bucket, '--key', 'k']);
      await cli.fails(['s3api', 'get-object', '--bucket', bucket, '--key', 'k', join(dir, 'gone')], 'NoSuchKey');
    } finally {
      await removeDir(dir);
    }
  });

  test('aws s3api listing: list-objects (v1 marker) and list-objects-v2 (prefix, delimiter, pages)', async () => {
    const bucket = bucketName('awscli', 'api-list');
    await cli.api(['create-bucket', '--bucket', bucket]);
    const keys = ['a/1', 'a/2', 'b/1', 'bar', 'baz', 'foo/x', 'foo1', 'zed'];
    for (const key of keys) await cli.api(['put-object', '--bucket', bucket, '--key', key]);
    const v2 = await cli.api(['list-objects-v2', '--bucket', bucket, '--delimiter', '/']);
    expectSame(
      v2.run,
      'list-objects-v2 --delimiter /',
      { keys: ['bar', 'baz', 'foo1', 'zed'], prefixes: ['a/', 'b/', 'foo/'] },
      { keys: (v2.out.Contents ?? []).map((o: any) => o.Key), prefixes: (v2.out.CommonPrefixes ?? []).map((p: any) => p.Prefix) },
    );
    const paged = await cli.api(['list-objects-v2', '--bucket', bucket, '--page-size', '3']);
    expectSame(paged.run, 'list-objects-v2 --page-size 3 (the CLI follows continuation tokens)', keys, (paged.out.Contents ?? []).map((o: any) => o.Key));
    const first = await cli.api(['list-objects-v2', '--bucket', bucket, '--max-items', '3', '--prefix', 'b']);
    expectSame(first.run, 'list-objects-v2 --prefix b --max-items 3', ['b/1', 'bar', 'baz'], (first.out.Contents ?? []).map((o: any) => o.Key));
    const v1 = await cli.api(['list-objects', '--bucket', bucket, '--marker', 'baz', '--prefix', 'foo']);
    expectSame(v1.run, 'list-objects --marker baz --prefix foo', ['foo/x', 'foo1'], (v1.out.Contents ?? []).map((o: any) => o.Key));
  });

  test('aws s3api copy-object and delete-objects', async () => {
    const bucket = bucketName('awscli', 'api-copy');
    await cli.api(['create-bucket', '--bucket', bucket]);
    await cli.ok(['s3', 'cp', '-', `s3://${bucket}/src`, '--metadata', 'a=1'], { input: 'copy me' });
    const copy = await cli.api(['copy-object', '--bucket', bucket, '--key', 'dst', '--copy-source', `${bucket}/src`, '--metadata-directive', 'REPLACE', '--metadata', 'b=2']);
    expectSame(copy.run, 'copy-object ETag', `"${md5('copy me')}"`, copy.out.CopyObjectResult?.ETag);
    const head = await cli.api(['head-object', '--bucket', bucket, '--key', 'dst']);
    expectSame(head.run, 'head-object of the copy (REPLACE)', { b: '2' }, head.out.Metadata);
    const del = await cli.api([
      'delete-objects',
      '--bucket',
      bucket,
      '--delete',
      JSON.stringify({ Objects: [{ Key: 'src' }, { Key: 'dst' }, { Key: 'never-existed' }] }),
    ]);
    expectSame(del.run, 'delete-objects: Deleted keys', ['dst', 'never-existed', 'src'], (del.out.Deleted ?? []).map((d: any) => d.Key).sort());
    expectSame(del.run, 'listing after delete-objects', [], await listing(cli, bucket));
  });

  test('aws s3api multipart: create, upload-part, upload-part-copy, list-parts, list-multipart-uploads, complete, abort, get-object-attributes', async () => {
    const bucket = bucketName('awscli', 'api-mpu');
    const dir = await tempDir('awscli-api-mpu');
    try {
      await cli.api(['create-bucket', '--bucket', bucket]);
      const part1 = payload(5 * 1024 * 1024);
      const source = payload(3000);
      const part2 = source.subarray(100, 1100);
      await writeFile(join(dir, 'p1'), part1);
      await writeFile(join(dir, 'source'), source);
      await cli.api(['put-object', '--bucket', bucket, '--key', 'source', '--body', join(dir, 'source')]);
      const { out: created } = await cli.api(['create-multipart-upload', '--bucket', bucket, '--key', 'mp']);
      const id = created.UploadId as string;
      const e1 = await cli.api(['upload-part', '--bucket', bucket, '--key', 'mp', '--upload-id', id, '--part-number', '1', '--body', join(dir, 'p1')]);
      const copied = await cli.api([
        'upload-part-copy', '--bucket', bucket, '--key', 'mp', '--upload-id', id, '--part-number', '2',
        '--copy-source', `${bucket}/source`, '--copy-source-range', 'bytes=100-1099',
      ]);
      const part2Etag = copied.out.CopyPartResult?.ETag as string;
      expectSame(copied.run, 'upload-part-copy --copy-source-range bytes=100-1099: part ETag', `"${md5(part2)}"`, part2Etag);
      const parts = await cli.api(['list-parts', '--bucket', bucket, '--key', 'mp', '--upload-id', id]);
      expectSame(
        parts.run,
        'list-parts',
        [
          { PartNumber: 1, ETag: `"${md5(part1)}"`, Size: part1.length },
          { PartNumber: 2, ETag: `"${md5(part2)}"`, Size: part2.length },
        ],
        (parts.out.Parts ?? []).map((p: any) => ({ PartNumber: p.PartNumber, ETag: p.ETag, Size: p.Size })),
      );
      const { out: other } = await cli.api(['create-multipart-upload', '--bucket', bucket, '--key', 'aborted']);
      const uploads = await cli.api(['list-multipart-uploads', '--bucket', bucket]);
      expectSame(uploads.run, 'list-multipart-uploads', ['aborted', 'mp'], (uploads.out.Uploads ?? []).map((u: any) => u.Key).sort());
      await cli.api(['abort-multipart-upload', '--bucket', bucket, '--key', 'aborted', '--upload-id', other.UploadId]);
      const done = await cli.api([
        'complete-multipart-upload',
        '--bucket',
        bucket,
        '--key',
        'mp',
        '--upload-id',
        id,
        '--multipart-upload',
        JSON.stringify({ Parts: [{ PartNumber: 1, ETag: e1.out.ETag }, { PartNumber: 2, ETag: part2Etag }] }),
      ]);
      const whole = Buffer.concat([part1, part2]);
      expectSame(done.run, 'complete-multipart-upload ETag', `"${multipartEtag(whole, part1.length)}"`, done.out.ETag);
      await cli.api(['get-object', '--bucket', bucket, '--key', 'mp', join(dir, 'out')]);
      expectSame(done.run, 'get-object after complete-multipart-upload: sha256', sha256(whole), sha256(await readFile(join(dir, 'out'))));
      const attributes = await cli.api(['get-object-attributes', '--bucket', bucket, '--key', 'mp', '--object-attributes', 'ETag', 'ObjectSize', 'ObjectParts']);
      expectSame(
        attributes.run,
        'get-object-attributes ETag ObjectSize ObjectParts (ETag unquoted there)',
        { ETag: multipartEtag(whole, part1.length), ObjectSize: whole.length, TotalPartsCount: 2 },
        { ETag: attributes.out.ETag, ObjectSize: attributes.out.ObjectSize, TotalPartsCount: attributes.out.ObjectParts?.TotalPartsCount },
      );
      const after = await cli.api(['list-multipart-uploads', '--bucket', bucket]);
      expectSame(after.run, 'list-multipart-uploads after complete + abort', [], after.out.Uploads ?? []);
    } finally {
      await removeDir(dir);
    }
  });

  test('aws s3api checksums: put-object --checksum-algorithm, head-object --checksum-mode', async () => {
    const bucket = bucketName('awscli', 'api-checksum');
    const dir = await tempDir('awscli-api-checksum');
    try {
      await cli.api(['create-bucket', '--bucket', bucket]);
      const data = payload(4096);
      await writeFile(join(dir, 'body'), data);
      const expected = createHash('sha256').update(data).digest('base64');
      const put = await cli.api(['put-object', '--bucket', bucket, '--key', 'c', '--body', join(dir, 'body'), '--checksum-algorithm', 'SHA256']);
      expectSame(put.run, 'put-object --checksum-algorithm SHA256: ChecksumSHA256', expected, put.out.ChecksumSHA256);
      const head = await cli.api(['head-object', '--bucket', bucket, '--key', 'c', '--checksum-mode', 'ENABLED']);
      expectSame(head.run, 'head-object --checksum-mode ENABLED: ChecksumSHA256', expected, head.out.ChecksumSHA256);
    } finally {
      await removeDir(dir);
    }
  });

  test('aws s3api versioning: put/get-bucket-versioning, list-object-versions, get --version-id, delete markers', async () => {
    const bucket = bucketName('awscli', 'api-versions');
    const dir = await tempDir('awscli-api-versions');
    try {
      await cli.api(['create-bucket', '--bucket', bucket]);
      await cli.api(['put-bucket-versioning', '--bucket', bucket, '--versioning-configuration', 'Status=Enabled']);
      const status = await cli.api(['get-bucket-versioning', '--bucket', bucket]);
      expectSame(status.run, 'get-bucket-versioning', 'Enabled', status.out.Status);
      await writeFile(join(dir, 'v1'), 'version one');
      await writeFile(join(dir, 'v2'), 'version two');
      const p1 = await cli.api(['put-object', '--bucket', bucket, '--key', 'k', '--body', join(dir, 'v1')]);
      const p2 = await cli.api(['put-object', '--bucket', bucket, '--key', 'k', '--body', join(dir, 'v2')]);
      expectThat(p2.run, 'put-object on a versioned bucket returns distinct VersionIds', !!p1.out.VersionId && p1.out.VersionId !== p2.out.VersionId);
      const old = await cli.api(['get-object', '--bucket', bucket, '--key', 'k', '--version-id', p1.out.VersionId, join(dir, 'old')]);
      expectSame(old.run, 'get-object --version-id (first version)', 'version one', (await readFile(join(dir, 'old'))).toString());
      const del = await cli.api(['delete-object', '--bucket', bucket, '--key', 'k']);
      expectSame(del.run, 'delete-object on a versioned bucket', true, del.out.DeleteMarker);
      const versions = await cli.api(['list-object-versions', '--bucket', bucket]);
      expectSame(
        versions.run,
        'list-object-versions',
        { versions: [p2.out.VersionId, p1.out.VersionId].sort(), markers: [del.out.VersionId] },
        { versions: (versions.out.Versions ?? []).map((v: any) => v.VersionId).sort(), markers: (versions.out.DeleteMarkers ?? []).map((v: any) => v.VersionId) },
      );
    } finally {
      await removeDir(dir);
    }
  });

  test('aws s3api tagging: object and bucket tag sets', async () => {
    const bucket = bucketName('awscli', 'api-tags');
    await cli.api(['create-bucket', '--bucket', bucket]);
    await cli.ok(['s3', 'cp', '-', `s3://${bucket}/t`], { input: 'tagged' });
    const tagSet = [{ Key: 'project', Value: 'coffer' }, { Key: 'stage', Value: 'interop test' }];
    await cli.api(['put-object-tagging', '--bucket', bucket, '--key', 't', '--tagging', JSON.stringify({ TagSet: tagSet })]);
    const got = await cli.api(['get-object-tagging', '--bucket', bucket, '--key', 't']);
    expectSame(got.run, 'get-object-tagging', tagSet, got.out.TagSet);
    await cli.api(['delete-object-tagging', '--bucket', bucket, '--key', 't']);
    const none = await cli.api(['get-object-tagging', '--bucket', bucket, '--key', 't']);
    expectSame(none.run, 'get-object-tagging after delete-object-tagging', [], none.out.TagSet);

    await cli.api(['put-bucket-tagging', '--bucket', bucket, '--tagging', JSON.stringify({ TagSet: tagSet })]);
    const bucketTags = await cli.api(['get-bucket-tagging', '--bucket', bucket]);
    expectSame(bucketTags.run, 'get-bucket-tagging', tagSet, bucketTags.out.TagSet);
    await cli.api(['delete-bucket-tagging', '--bucket', bucket]);
    await cli.fails(['s3api', 'get-bucket-tagging', '--bucket', bucket], 'NoSuchTagSet');
  });
  test('aws s3api object lock: restic/kopia-style immutability — a locked backup version cannot be deleted', async () => {
    const bucket = bucketName('awscli', 'api-lock');
    await cli.api(['create-bucket', '--bucket', bucket, '--object-lock-enabled-for-bucket']);
    const configuration = { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } };
    await cli.api(['put-object-lock-configuration', '--bucket', bucket, '--object-lock-configuration', JSON.stringify(configuration)]);

    const dir = await tempDir('awscli-api-lock');
    try {
      const file = join(dir, 'snapshot');
      await writeFile(file, 'backup data');
      const until = new Date(Date.now() + 2 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const put = await cli.api([
        'put-object', '--bucket', bucket, '--key', 'data/snapshot', '--body', file, '--content-md5', createHash('md5').update('backup data').digest('base64'),
        '--object-lock-mode', 'COMPLIANCE', '--object-lock-retain-until-date', until,
      ]);
      const versionId = put.out.VersionId as string;
      const later = new Date(Date.now() + 3 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await cli.api(['put-object-retention', '--bucket', bucket, '--key', 'data/snapshot', '--version-id', versionId, '--retention', JSON.stringify({ Mode: 'COMPLIANCE', RetainUntilDate: later })]);
      const retention = await cli.api(['get-object-retention', '--bucket', bucket, '--key', 'data/snapshot', '--version-id', versionId]);
      expectSame(retention.run, 'get-object-retention', { Mode: 'COMPLIANCE', RetainUntilDate: Date.parse(later) }, { ...retention.out.Retention, RetainUntilDate: Date.parse(retention.out.Retention?.RetainUntilDate) });
      const refused = await cli.fails(['s3api', 'delete-object', '--bucket', bucket, '--key', 'data/snapshot', '--version-id', versionId, '--bypass-governance-retention'], 'AccessDenied');
      expectThat(refused, 'delete-object of the locked version names object lock', refused.stderr.includes('Access Denied because object protected by object lock.'));
    } finally {
      await removeDir(dir);
    }
  });

  test('aws s3 website, then curl against the website endpoint serves the site', async () => {
    const bucket = bucketName('awscli', 'website');
    await cli.ok(['s3', 'mb', `s3://${bucket}`]);
    await cli.api(['delete-public-access-block', '--bucket', bucket]);
    // Listing too: a missing page is a 404 only to a caller allowed s3:ListBucket (a 403 otherwise), as on S3.
    const policy = { Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
      { Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` },
    ] };
    await cli.api(['put-bucket-policy', '--bucket', bucket, '--policy', JSON.stringify(policy)]);
    const site = await cli.ok(['s3', 'website', `s3://${bucket}`, '--index-document', 'index.html', '--error-document', 'error.html']);
    const dir = await tempDir('awscli-website');
    await writeFile(join(dir, 'index.html'), '<h1>home</h1>');
    await writeFile(join(dir, 'error.html'), '<h1>not here</h1>');
    await cli.ok(['s3', 'sync', dir, `s3://${bucket}`]).finally(() => removeDir(dir));
    // curl resolves *.localhost to the loopback address itself: the URL is the website endpoint's own.
    const port = new URL(context.server.endpoint).port;
    const curl = (path: string) => runTool(CURL, ['-s', '-w', '\n%{http_code}', `http://${bucket}.s3-website.localhost:${port}${path}`], { env: minimalEnv(context.scratch, {}) }, context.server);
    const home = (await curl('/')).stdout.toString();
    expectSame(site, 'curl of the website root', '<h1>home</h1>\n200', home);
    const missing = (await curl('/nothing')).stdout.toString();
    expectSame(site, 'curl of a missing page', '<h1>not here</h1>\n404', missing);
  });
});
