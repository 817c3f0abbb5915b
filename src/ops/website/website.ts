/** Put/Get/DeleteBucketWebsite: the configuration the website endpoint (http/website.ts) serves by. */
import { S3Error } from '../../errors.js';
import { readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationResult } from '../types.js';
import { readWebsiteConfiguration, storedWebsiteConfig, websiteConfigurationXml } from './config.js';

export async function putBucketWebsite(ctx: OperationContext): Promise<OperationResult> {
  const config = readWebsiteConfiguration((await readXmlDocument(ctx, 'WebsiteConfiguration'))!);
  await ctx.services.meta.putBucketConfig(ctx.bucket.name, 'website', JSON.stringify(config));
  return {};
}

export async function getBucketWebsite(ctx: OperationContext): Promise<OperationResult> {
  const document = await ctx.services.meta.getBucketConfig(ctx.bucket.name, 'website');
  if (document === undefined) throw new S3Error('NoSuchWebsiteConfiguration', undefined, { BucketName: ctx.bucket.name });
  return { xml: { root: 'WebsiteConfiguration', body: websiteConfigurationXml(storedWebsiteConfig(document)) } };
}

export async function deleteBucketWebsite(ctx: OperationContext): Promise<OperationResult> {
  await ctx.services.meta.putBucketConfig(ctx.bucket.name, 'website', undefined);
  return { status: 204 };
}
