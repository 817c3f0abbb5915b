/** Put/Get/DeleteBucketCors: the rules are stored as JSON and read with the bucket (BucketRecord.cors). */
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import { readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationResult } from '../types.js';
import { corsConfigurationXml, readCorsConfiguration, storedCorsRules } from './rules.js';

export async function putBucketCors(ctx: OperationContext): Promise<OperationResult> {
  const document = await readXmlDocument(ctx, 'CORSConfiguration', { maxBytes: limits.corsConfigurationBytesMax, integrityRequired: true });
  const rules = readCorsConfiguration(document!);
  await ctx.services.meta.putBucketConfig(ctx.bucket.name, 'cors', JSON.stringify(rules));
  return {};
}

export async function getBucketCors(ctx: OperationContext): Promise<OperationResult> {
  if (ctx.bucket.cors === undefined) throw new S3Error('NoSuchCORSConfiguration', undefined, { BucketName: ctx.bucket.name });
  return { xml: { root: 'CORSConfiguration', body: corsConfigurationXml(storedCorsRules(ctx.bucket.cors)) } };
}

export async function deleteBucketCors(ctx: OperationContext): Promise<OperationResult> {
  await ctx.services.meta.putBucketConfig(ctx.bucket.name, 'cors', undefined);
  return { status: 204 };
}
