/**
 * Requester Pays: the payer is stored (BucketOwner by default). Coffer bills nobody; a request
 * on a Requester Pays bucket that acknowledges the charge (`x-amz-request-payer: requester`) is
 * answered with `x-amz-request-charged: requester`, as AWS confirms the charge.
 */
import { readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationResult } from '../types.js';
import { requestBucketConfig } from './request-configs.js';
import { checkDocument, childText, element, text } from './schema.js';

const SPEC = element({ Payer: text({ required: true, values: ['Requester', 'BucketOwner'] }) });

export async function putBucketRequestPayment(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  const payer = childText(checkDocument(await readXmlDocument(ctx, 'RequestPaymentConfiguration'), SPEC), 'Payer')!;
  await ctx.services.meta.putBucketConfig(bucket.name, 'request-payment', payer === 'BucketOwner' ? undefined : payer);
  return {};
}

export async function getBucketRequestPayment(ctx: OperationContext): Promise<OperationResult> {
  const bucket = ctx.bucket;
  const payer = (await ctx.services.meta.getBucketConfig(bucket.name, 'request-payment')) ?? 'BucketOwner';
  return { xml: { root: 'RequestPaymentConfiguration', body: { Payer: payer } } };
}

/** `x-amz-request-charged` for a request on `bucket`: only when the requester accepted the charge of a Requester Pays bucket. */
export async function requestChargedHeader(ctx: OperationContext, bucket: string): Promise<Record<string, string>> {
  if (ctx.headers['x-amz-request-payer']?.toLowerCase() !== 'requester') return {};
  const payer = await requestBucketConfig(ctx, bucket, 'request-payment');
  return payer === 'Requester' ? { 'x-amz-request-charged': 'requester' } : {};
}
