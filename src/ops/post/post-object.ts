/**
 * POST Object: a browser form upload (multipart/form-data) to the bucket's URL. The form names the
 * key, the object's headers and its caller (signature fields over a policy document); the file
 * part is streamed into PutObject's write path, so that a POST is as durable, checksummed,
 * encrypted, versioned, evented and conditional as a PUT.
 */
import { Readable } from 'node:stream';
import { refuseUnimplementedHeaders } from '../../api/unimplemented-headers.js';
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { Tag } from '../../store/meta/metadata-store.js';
import { checkKey, objectUrl } from '../objects/keys.js';
import { quoteEtag } from '../objects/object-headers.js';
import { writeObject } from '../objects/objects.js';
import { tagsOf } from '../tagging/tagging.js';
import type { OperationContext, OperationResult } from '../types.js';
import { readPostForm, type PostForm } from './form.js';
import { checkPostPolicy, parsePostPolicy, type SizeRange } from './policy.js';

/** Form fields that stand for the PutObject header of the same name. */
const HEADER_FIELDS = new Set(['cache-control', 'content-type', 'content-disposition', 'content-encoding', 'content-language', 'expires']);
const HEADER_FIELD_PREFIXES = ['x-amz-meta-', 'x-amz-checksum-', 'x-amz-server-side-encryption', 'x-amz-storage-class', 'x-amz-website-redirect-location', 'x-amz-object-lock-'];
/** Request headers a form upload keeps: conditional writes. */
const REQUEST_HEADERS = ['if-match', 'if-none-match'];

export async function postObject(ctx: OperationContext): Promise<OperationResult> {
  const declared = ctx.body.declaredLength;
  if (declared === undefined) throw new S3Error('MissingContentLength');
  if (declared > limits.postFormBytesMax) {
    throw new S3Error('EntityTooLarge', undefined, { ProposedSize: declared, MaxSizeAllowed: limits.postFormBytesMax });
  }
  const form = await readPostForm(ctx.body.stream, ctx.headers['content-type']);
  const { fields } = form;
  const submittedKey = fields.get('key');
  if (submittedKey === undefined) {
    throw new S3Error('InvalidArgument', "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", {
      ArgumentName: 'key',
      ArgumentValue: '',
    });
  }
  const objectHeaders = objectHeadersOf(ctx, fields);
  const caller = ctx.authenticateForm!(fields, objectHeaders);
  const key = submittedKey.replaceAll('${filename}', form.filename);
  // The policy's conditions hold for the key the object gets (`${filename}` replaced).
  const sizeRange = caller.policy === undefined ? undefined : checkPolicy(ctx, form, key, caller.policy);
  // An empty key (given so, or a file without a name for ${filename}) names no object a request could address.
  if (key === '') throw new S3Error('InvalidArgument', 'User key must have a length greater than 0.', { ArgumentName: 'key', ArgumentValue: '' });
  checkKey(key);
  refuseUnimplementedHeaders(objectHeaders, 'PutObject');
  const tags = await tagsFromField(ctx, fields.get('tagging'));
  await caller.authorize('s3:PutObject', { bucket: ctx.bucket.name, key }, { bucket: ctx.bucket });
  // Tags need s3:PutObjectTagging too, as on PutObject (OperationSpec.tagsNewObject).
  if (tags.length > 0) await caller.authorize('s3:PutObjectTagging', { bucket: ctx.bucket.name, key }, { bucket: ctx.bucket });

  const written = await writeObject(
    {
      ...ctx,
      user: caller.user,
      authorize: caller.authorize,
      route: { ...ctx.route, key },
      headers: objectHeaders,
      body: { ...ctx.body, stream: Readable.from(form.file, { objectMode: false }), declaredLength: undefined, trailers: () => ({}) },
    },
    { event: 'ObjectCreated:Post', tags, sizeRange },
  );
  const location = objectUrl(ctx, key);
  const headers = { ...written.headers, location };
  const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
  if (redirect !== undefined && /^https?:\/\/[^\s]+$/i.test(redirect)) {
    const query = new URLSearchParams({ bucket: ctx.bucket.name, key, etag: quoteEtag(written.etag) }).toString();
    return { status: 303, headers: { ...headers, location: `${redirect}${redirect.includes('?') ? '&' : '?'}${query}` } };
  }
  const status = fields.get('success_action_status');
  if (status === '201') {
    return {
      status: 201,
      headers,
      xml: { root: 'PostResponse', namespace: null, body: { Location: location, Bucket: ctx.bucket.name, Key: key, ETag: quoteEtag(written.etag) } },
    };
  }
  // Any other value (or none) is 204, as AWS answers it.
  return { status: status === '200' ? 200 : 204, headers };
}

/** Verifies the signed policy against the form (the bucket counts as a field); returns content-length-range. */
function checkPolicy(ctx: OperationContext, form: PostForm, key: string, policy: string): SizeRange | undefined {
  const fields = new Map(form.fields);
  fields.set('bucket', ctx.bucket.name);
  fields.set('key', key);
  return checkPostPolicy(parsePostPolicy(policy), fields, form.spelling, new Date());
}

/** The form's fields as the PutObject headers they stand for (names lowercased). */
function objectHeadersOf(ctx: OperationContext, fields: ReadonlyMap<string, string>): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const name of REQUEST_HEADERS) headers[name] = ctx.headers[name];
  for (const [name, value] of fields) {
    if (name === 'acl') headers['x-amz-acl'] = value;
    else if (name === 'x-amz-checksum-algorithm') headers['x-amz-sdk-checksum-algorithm'] = value;
    else if (HEADER_FIELDS.has(name) || HEADER_FIELD_PREFIXES.some((prefix) => name.startsWith(prefix))) headers[name] = value;
  }
  return headers;
}

/** The `tagging` field: a `<Tagging>` XML document, as PutObjectTagging's body. */
async function tagsFromField(ctx: OperationContext, document: string | undefined): Promise<readonly Tag[]> {
  if (document === undefined) return [];
  const tagging = (await ctx.body.parseXml(document)).Tagging;
  if (typeof tagging !== 'object' || tagging === null) throw new S3Error('MalformedXML');
  return tagsOf(tagging as Record<string, unknown>);
}

