import { S3Error } from '../errors.js';
import { limits } from '../limits.js';
import { parseXml } from '../xml/codec.js';
import type { RequestBody } from './types.js';

/** Reads a (small) XML request body, capped; '' when the body is empty. */
export async function readBodyText(body: RequestBody, maxBytes: number = limits.xmlBodyBytesMax): Promise<string> {
  if (body.declaredLength !== undefined && body.declaredLength > maxBytes) throw new S3Error('MaxMessageLengthExceeded');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body.stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.stream.destroy();
      throw new S3Error('MaxMessageLengthExceeded');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads and parses an XML document whose root must be `root`; empty or wrong → MalformedXML. */
export async function readXmlDocument(body: RequestBody, root: string, options: { optional?: boolean } = {}): Promise<Record<string, unknown> | undefined> {
  const text = await readBodyText(body);
  if (text.trim() === '') {
    if (options.optional) return undefined;
    throw new S3Error('MissingRequestBodyError');
  }
  const parsed = parseXml(text);
  const element = parsed[root];
  if (element === undefined) throw new S3Error('MalformedXML');
  return typeof element === 'object' && element !== null ? (element as Record<string, unknown>) : {};
}
