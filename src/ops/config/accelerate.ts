/**
 * Transfer Acceleration: the state is stored and answered. A bucket that was never configured
 * answers an empty AccelerateConfiguration, as AWS does (no Status: acceleration is off).
 */
import { S3Error } from '../../errors.js';
import { readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationResult } from '../types.js';
import { checkDocument, childText, element, text } from './schema.js';

const SPEC = element({ Status: text({ values: ['Enabled', 'Suspended'] }) });

export async function putBucketAccelerateConfiguration(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  const status = childText(checkDocument(await readXmlDocument(ctx, 'AccelerateConfiguration'), SPEC), 'Status');
  if (status === undefined) throw new S3Error('MalformedXML');
  if (bucket.name.includes('.')) {
    throw new S3Error('InvalidRequest', 'S3 Transfer Acceleration is not supported for buckets with periods (.) in their names');
  }
  await ctx.services.meta.putBucketConfig(bucket.name, 'accelerate', status);
  return {};
}

export async function getBucketAccelerateConfiguration(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  const status = await ctx.services.meta.getBucketConfig(bucket.name, 'accelerate');
  return { xml: { root: 'AccelerateConfiguration', body: { Status: status } } };
}
