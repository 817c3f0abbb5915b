/**
 * Static website hosting: Put/Get/DeleteBucketWebsite validated as AWS, and the website endpoint —
 * the virtual host BUCKET.s3-website.DOMAIN on the main listener and the --website-address
 * listener (Host: the bucket name) — serving index documents, the error document, AWS's HTML
 * error pages, redirects, conditional GETs and ranges, anonymously through the bucket policy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteBucketWebsiteCommand,
  PutBucketCorsCommand,
  GetBucketWebsiteCommand,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  type S3Client,
  type WebsiteConfiguration,
} from '@aws-sdk/client-s3';
import { expectS3Error } from '../../helpers/expect-s3-error.js';
import { rawRequest } from '../../helpers/raw-request.js';
import { startServer, type TestServer } from '../../helpers/start-server.js';

const SITE: WebsiteConfiguration = {
  IndexDocument: { Suffix: 'index.html' },
  ErrorDocument: { Key: 'error.html' },
  RoutingRules: [
    { Condition: { KeyPrefixEquals: 'old/' }, Redirect: { ReplaceKeyPrefixWith: 'new/', HttpRedirectCode: '302' } },
    { Condition: { HttpErrorCodeReturnedEquals: '404', KeyPrefixEquals: 'gone/' }, Redirect: { HostName: 'archive.example', Protocol: 'https', ReplaceKeyWith: 'sorry.html' } },
  ],
};

/**
 * Anyone may read the objects and (unless `list` is false) list the bucket: as on S3, a missing key
 * is a 404 only to a caller allowed s3:ListBucket, a 403 otherwise.
 */
function publicRead(bucket: string, list = true): string {
  const statements = [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }];
  if (list) statements.push({ Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

function htmlField(text: string, name: string): string | undefined {
  return new RegExp(`<li>${name}: ([^<]*)</li>`).exec(text)?.[1];
}

describe('Website', () => {
  let server: TestServer;
  let s3: S3Client;
  let site: string;
  let websiteEndpoint: string;
  /** A GET (or another method) on the website listener, Host naming the bucket. */
  const web = (path: string, headers: Record<string, string> = {}, method = 'GET', host = site) =>
    rawRequest(websiteEndpoint, { method, path, headers: { host, ...headers } });
  const put = (Bucket: string, Key: string, Body: string, extra: Record<string, string> = {}) =>
    s3.send(new PutObjectCommand({ Bucket, Key, Body, ContentType: 'text/html', ...extra }));

  before(async () => {
    server = await startServer({ bucketDefaults: 'legacy', websiteAddress: { host: '127.0.0.1', port: 0 } });
    websiteEndpoint = server.coffer.websiteEndpoint!;
    s3 = server.client();
    site = await server.newBucket('site');
    await s3.send(new PutBucketPolicyCommand({ Bucket: site, Policy: publicRead(site) }));
    await s3.send(new PutBucketWebsiteCommand({ Bucket: site, WebsiteConfiguration: SITE }));
    await Promise.all([
      put(site, 'index.html', '<h1>home</h1>'),
      put(site, 'docs/index.html', '<h1>docs</h1>'),
      put(site, 'error.html', '<h1>oops</h1>'),
      put(site, 'page.html', '0123456789'),
      put(site, 'moved.html', 'x', { WebsiteRedirectLocation: '/page.html' }),
    ]);
  });
  after(() => server.stop());

  test('GetBucketWebsite.returns the configuration as put; Delete removes it', async () => {
    const out = await s3.send(new GetBucketWebsiteCommand({ Bucket: site }));
    assert.deepEqual({ IndexDocument: out.IndexDocument, ErrorDocument: out.ErrorDocument, RoutingRules: out.RoutingRules }, SITE);
    const other = await server.newBucket('site-del');
    await s3.send(new PutBucketWebsiteCommand({ Bucket: other, WebsiteConfiguration: { RedirectAllRequestsTo: { HostName: 'example.com', Protocol: 'https' } } }));
    assert.deepEqual((await s3.send(new GetBucketWebsiteCommand({ Bucket: other }))).RedirectAllRequestsTo, { HostName: 'example.com', Protocol: 'https' });
    await s3.send(new DeleteBucketWebsiteCommand({ Bucket: other }));
    await expectS3Error(s3.send(new GetBucketWebsiteCommand({ Bucket: other })), 'NoSuchWebsiteConfiguration', 404, 'The specified bucket does not have a website configuration');
  });

  test('PutBucketWebsite.refuses invalid configurations as AWS', async () => {
    const bucket = await server.newBucket('site-bad');
    const putSite = (WebsiteConfiguration: WebsiteConfiguration) => s3.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration }));
    await expectS3Error(putSite({ ErrorDocument: { Key: 'e.html' } }), 'InvalidArgument', 400, 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty');
    await expectS3Error(putSite({ IndexDocument: { Suffix: 'a/index.html' } }), 'InvalidArgument', 400, 'The IndexDocument Suffix is not well formed');
    await expectS3Error(putSite({ IndexDocument: { Suffix: 'index.html' }, RedirectAllRequestsTo: { HostName: 'example.com' } }), 'MalformedXML', 400);
    const rule = (Redirect: object, Condition?: object) => putSite({ IndexDocument: { Suffix: 'i.html' }, RoutingRules: [{ Condition, Redirect }] });
    await expectS3Error(rule({ ReplaceKeyWith: 'a', ReplaceKeyPrefixWith: 'b' }), 'InvalidRequest', 400, 'You can only define ReplaceKeyPrefix or ReplaceKey but not both.');
    await expectS3Error(rule({ HttpRedirectCode: '300' }), 'InvalidRequest', 400, 'The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300.');
    await expectS3Error(rule({ Protocol: 'ftp' }), 'InvalidRequest', 400, 'Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.');
    await expectS3Error(rule({ HostName: 'x' }, {}), 'InvalidRequest', 400, "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.");
    await expectS3Error(s3.send(new GetBucketWebsiteCommand({ Bucket: bucket })), 'NoSuchWebsiteConfiguration', 404);
  });

  test('Website.index documents: / and a sub-folder, /docs redirects to /docs/', async () => {
    const home = await web('/');
    assert.equal(home.status, 200);
    assert.equal(home.text, '<h1>home</h1>');
    assert.equal(home.headers['content-type'], 'text/html');
    assert.equal((await web('/docs/')).text, '<h1>docs</h1>');
    const folder = await web('/docs');
    assert.equal(folder.status, 302);
    assert.equal(folder.headers['location'], '/docs/');
  });

  test('Website.the main listener serves BUCKET.s3-website.DOMAIN and its region forms', async () => {
    for (const host of [`${site}.s3-website.localhost`, `${site}.s3-website-us-east-1.localhost`, `${site}.s3-website.us-east-1.localhost`]) {
      const res = await rawRequest(server.endpoint, { method: 'GET', path: '/', headers: { host } });
      assert.equal(res.text, '<h1>home</h1>', host);
    }
    // The website listener also takes the website host form.
    assert.equal((await web('/', {}, 'GET', `${site}.s3-website.localhost:80`)).text, '<h1>home</h1>');
  });

  test('Website.a missing key: the error document with status 404; HEAD too', async () => {
    const res = await web('/nothing.html');
    assert.equal(res.status, 404);
    assert.equal(res.text, '<h1>oops</h1>');
    const head = await web('/nothing.html', {}, 'HEAD');
    assert.equal(head.status, 404);
    assert.equal(head.body.length, 0);
  });

  test('Website.a missing key without s3:ListBucket: the error document with status 403, as S3 hides what is missing', async () => {
    await s3.send(new PutBucketPolicyCommand({ Bucket: site, Policy: publicRead(site, false) }));
    try {
      const res = await web('/nothing.html');
      assert.equal(res.status, 403);
      assert.equal(res.text, '<h1>oops</h1>');
      assert.equal((await web('/')).text, '<h1>home</h1>');
    } finally {
      await s3.send(new PutBucketPolicyCommand({ Bucket: site, Policy: publicRead(site) }));
    }
  });

  test('Website.redirects: object redirect location 301, routing rules by prefix and by error code', async () => {
    const moved = await web('/moved.html');
    assert.equal(moved.status, 301);
    assert.equal(moved.headers['location'], '/page.html');
    const old = await web('/old/a%20b.html');
    assert.equal(old.status, 302);
    assert.equal(old.headers['location'], `http://${site}/new/a%20b.html`);
    const gone = await web('/gone/x.html');
    assert.equal(gone.status, 301);
    assert.equal(gone.headers['location'], 'https://archive.example/sorry.html');
  });

  test('PutObject.x-amz-website-redirect-location must be a path or an http(s) URL (InvalidRedirectLocation)', async () => {
    await expectS3Error(put(site, 'bad.html', 'x', { WebsiteRedirectLocation: 'elsewhere.html' }), 'InvalidRedirectLocation', 400, "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.");
    await expectS3Error(
      put(site, 'bad.html', 'x', { WebsiteRedirectLocation: '/' + 'a'.repeat(2048) }),
      'InvalidRedirectLocation',
      400,
      'The length of website redirect location cannot exceed 2,048 characters.',
    );
    await put(site, 'away.html', 'x', { WebsiteRedirectLocation: 'https://example.com/x' });
    const away = await web('/away.html', {}, 'HEAD');
    assert.equal(away.status, 301);
    assert.equal(away.headers['location'], 'https://example.com/x');
  });

  test('Website.conditional GETs and ranges as on the REST endpoint', async () => {
    const range = await web('/page.html', { range: 'bytes=2-4' });
    assert.equal(range.status, 206);
    assert.equal(range.text, '234');
    assert.equal(range.headers['content-range'], 'bytes 2-4/10');
    const etag = (await web('/page.html')).headers['etag'] as string;
    const notModified = await web('/page.html', { 'if-none-match': etag });
    assert.equal(notModified.status, 304);
  });

  test('Website.HTML error pages: NoSuchKey without an error document, AccessDenied, NoSuchBucket, NoSuchWebsiteConfiguration, 405', async () => {
    const plain = await server.newBucket('site-plain');
    await s3.send(new PutBucketWebsiteCommand({ Bucket: plain, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: plain, Policy: publicRead(plain) }));
    const missing = await web('/x.html', {}, 'GET', plain);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(missing.text, /^<html>\n<head><title>404 Not Found<\/title><\/head>\n<body>\n<h1>404 Not Found<\/h1>\n<ul>\n<li>Code: NoSuchKey<\/li>\n/);
    assert.equal(htmlField(missing.text, 'Message'), 'The specified key does not exist.');
    assert.equal(htmlField(missing.text, 'Key'), 'x.html');

    const closed = await server.newBucket('site-closed');
    await s3.send(new PutBucketWebsiteCommand({ Bucket: closed, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } } }));
    await put(closed, 'index.html', 'secret');
    const denied = await web('/', {}, 'GET', closed);
    assert.equal(denied.status, 403);
    assert.equal(htmlField(denied.text, 'Code'), 'AccessDenied');
    assert.equal(htmlField(denied.text, 'Message'), 'Access Denied');
    // The error document could not be read either: the page says so below.
    assert.match(
      denied.text,
      /<\/ul>\n<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document<\/h3>\n<ul>\n<li>Code: AccessDenied<\/li>\n<li>Message: Access Denied<\/li>\n<\/ul>\n<hr\/>/,
    );

    const noBucket = await web('/', {}, 'GET', 'no-such-bucket-site');
    assert.equal(noBucket.status, 404);
    assert.equal(htmlField(noBucket.text, 'Code'), 'NoSuchBucket');
    assert.equal(htmlField(noBucket.text, 'BucketName'), 'no-such-bucket-site');

    const unconfigured = await server.newBucket('site-none');
    const none = await web('/', {}, 'GET', unconfigured);
    assert.equal(none.status, 404);
    assert.equal(htmlField(none.text, 'Code'), 'NoSuchWebsiteConfiguration');
    assert.equal(htmlField(none.text, 'Message'), 'The specified bucket does not have a website configuration');

    const post = await web('/', {}, 'POST');
    assert.equal(post.status, 405);
    assert.equal(htmlField(post.text, 'Code'), 'MethodNotAllowed');
    assert.equal(htmlField(post.text, 'Method'), 'POST');
  });

  test('Website.RedirectAllRequestsTo sends every path to the other host', async () => {
    const bucket = await server.newBucket('site-all');
    await s3.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: { RedirectAllRequestsTo: { HostName: 'www.example.com' } } }));
    const res = await web('/a/b.html', {}, 'GET', bucket);
    assert.equal(res.status, 301);
    assert.equal(res.headers['location'], 'http://www.example.com/a/b.html');
  });

  test('Website.CORS: the bucket rules decorate pages and answer preflights, refusals as HTML pages', async () => {
    const bucket = await server.newBucket('site-cors');
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket) }));
    await s3.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
    await s3.send(new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }] },
    }));
    await put(bucket, 'font.woff2', 'glyphs');

    const page = await web('/font.woff2', { origin: 'https://app.example' }, 'GET', bucket);
    assert.equal(page.status, 200);
    assert.equal(page.text, 'glyphs');
    assert.equal(page.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(page.headers['access-control-expose-headers'], 'ETag');
    assert.equal(page.headers['vary'], 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
    const missing = await web('/none.html', { origin: 'https://app.example' }, 'GET', bucket);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['access-control-allow-origin'], 'https://app.example', 'an error page is readable by the page that asked');
    const foreign = await web('/font.woff2', { origin: 'https://evil.example' }, 'GET', bucket);
    assert.equal(foreign.status, 200);
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);

    const preflight = await web('/font.woff2', { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'Range' }, 'OPTIONS', bucket);
    assert.equal(preflight.status, 200);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(preflight.headers['access-control-allow-methods'], 'GET, HEAD');
    assert.equal(preflight.headers['access-control-allow-headers'], 'range');
    assert.equal(preflight.headers['access-control-max-age'], '600');
    const refused = await web('/font.woff2', { origin: 'https://app.example', 'access-control-request-method': 'PUT' }, 'OPTIONS', bucket);
    assert.equal(refused.status, 403);
    assert.equal(htmlField(refused.text, 'Code'), 'AccessForbidden');
    assert.match(htmlField(refused.text, 'Message') ?? '', /^CORSResponse: This CORS request is not allowed/);
    const noOrigin = await web('/font.woff2', { 'access-control-request-method': 'GET' }, 'OPTIONS', bucket);
    assert.equal(noOrigin.status, 400);
    assert.equal(htmlField(noOrigin.text, 'Message'), 'Insufficient information. Origin request header needed.');
  });
});
