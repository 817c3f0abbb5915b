import { PassThrough } from 'node:stream';
import { S3Error } from '../errors.js';
import { StoreError } from '../store/meta/metadata-store.js';
import { buildXml } from '../xml/codec.js';
import type { OperationResult } from './types.js';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export interface KeepAliveOptions {
  /** How long the work may take before the 200 and the first whitespace go out (0: at once). */
  readonly firstByteMs: number;
  /** Whitespace cadence once streaming. */
  readonly intervalMs: number;
  /** Where a non-S3 failure after the 200 is reported. */
  readonly logError: (error: unknown) => void;
}

/** Store errors an operation may meet after it committed to a 200 (the edge cannot map them then). */
const STORE_CODES: Partial<Record<StoreError['code'], S3Error['code']>> = {
  UploadNotFound: 'NoSuchUpload',
  PreconditionFailed: 'PreconditionFailed',
  ObjectNotFound: 'NoSuchKey',
  ConditionalConflict: 'ConditionalRequestConflict',
  BucketNotFound: 'NoSuchBucket',
};

/**
 * S3's answer to a slow CompleteMultipartUpload: when `work` takes longer than `firstByteMs`, the
 * response starts at once as 200 with the XML declaration, then whitespace every `intervalMs` so
 * that neither the client nor a proxy times out, then the result document — or, if the work failed,
 * an <Error> document in the 200 body (SDKs check for that). Fast work answers normally.
 */
export async function withKeepAlive(
  work: Promise<OperationResult & { xml: NonNullable<OperationResult['xml']> }>,
  requestId: string,
  options: KeepAliveOptions,
): Promise<OperationResult> {
  if (options.firstByteMs > 0) {
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => {
      timer = setTimeout(() => resolve('slow'), options.firstByteMs);
    });
    const first = await Promise.race([work.then((result) => ({ result }), (error: unknown) => ({ error })), slow]);
    clearTimeout(timer);
    if (first !== 'slow') {
      if ('error' in first) throw first.error;
      return first.result;
    }
  }
  const stream = new PassThrough();
  stream.write(DECLARATION);
  stream.write(' ');
  const ticker = setInterval(() => {
    if (!stream.destroyed) stream.write(' ');
  }, options.intervalMs);
  stream.on('close', () => clearInterval(ticker));
  work.then(
    (result) => {
      const body = buildXml(result.xml.root, result.xml.body, result.xml.namespace);
      if (!stream.destroyed) stream.end(body.slice(DECLARATION.length));
    },
    (error: unknown) => {
      let s3Error: S3Error;
      if (error instanceof S3Error) s3Error = error;
      else if (error instanceof StoreError && STORE_CODES[error.code]) s3Error = new S3Error(STORE_CODES[error.code]!);
      else {
        options.logError(error);
        s3Error = new S3Error('InternalError');
      }
      const body = buildXml('Error', { Code: s3Error.code, Message: s3Error.message, ...s3Error.detail, RequestId: requestId }, null);
      if (!stream.destroyed) stream.end(body.slice(DECLARATION.length));
    },
  ).finally(() => clearInterval(ticker));
  // Headers of the result (ETag, version id…) cannot follow the 200: they are in the document.
  return { status: 200, headers: { 'content-type': 'application/xml' }, stream };
}
