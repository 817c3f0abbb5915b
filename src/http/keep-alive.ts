import type { IncomingMessage, ServerResponse } from 'node:http';
import type { S3Error } from '../errors.js';
import type { DeferredResult } from '../ops/types.js';
import { buildXml, XML_DECLARATION } from '../xml/codec.js';
import { errorDocument, sendResult } from './respond.js';

const SLOW = Symbol('slow');

/**
 * S3's answer to slow work (CompleteMultipartUpload): if the result is not there after
 * `firstByteMs`, the response starts at once as 200 with the XML declaration, then whitespace every
 * `intervalMs` so neither the client nor a proxy times out, then the result document — or, if the
 * work failed, an <Error> document inside the 200 body (SDKs look for it). Fast work answers
 * normally, errors included (they are thrown to the pipeline).
 * Headers of a late result (ETag, checksum…) cannot follow the 200: its document carries them;
 * headers known before the work ends (`deferred.headers`, e.g. the version id) go with the 200.
 */
export async function sendDeferred(
  req: IncomingMessage,
  res: ServerResponse,
  deferred: DeferredResult,
  describeError: (error: unknown) => { error: S3Error; requestId: string; hostId: string },
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<typeof SLOW>((resolve) => {
    timer = setTimeout(() => resolve(SLOW), deferred.firstByteMs);
  });
  // firstByteMs 0: always stream (a 0 ms timer would still race fast work).
  const first = deferred.firstByteMs <= 0 ? SLOW : await Promise.race([deferred.work.then((result) => ({ result }), (error: unknown) => ({ error })), slow]);
  clearTimeout(timer);
  if (first !== SLOW) {
    if ('error' in first) throw first.error;
    return sendResult(req, res, first.result);
  }

  res.statusCode = 200;
  for (const [name, value] of Object.entries(deferred.headers ?? {})) if (value !== undefined) res.setHeader(name, String(value));
  res.setHeader('content-type', 'application/xml');
  res.write(`${XML_DECLARATION} `);
  const ticker = setInterval(() => res.write(' '), deferred.intervalMs);
  try {
    const result = await deferred.work;
    const xml = result.xml ? buildXml(result.xml.root, result.xml.body, result.xml.namespace) : XML_DECLARATION;
    res.end(xml.slice(XML_DECLARATION.length));
  } catch (failure) {
    const { error, requestId, hostId } = describeError(failure);
    res.end(errorDocument(error, requestId, hostId).slice(XML_DECLARATION.length));
  } finally {
    clearInterval(ticker);
  }
}
