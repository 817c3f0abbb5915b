/**
 * Configuration families a bucket holds up to 1,000 of, each under an `id` (analytics, metrics,
 * inventory, intelligent-tiering): Put/Get/Delete by id and a List paged by continuation token.
 * Each configuration is its own stored document (kind `<family>:<id>`), so concurrent puts of
 * different ids never overwrite each other, and a list page reads one page of them.
 */
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { BucketRecord, IdKeyedConfigFamily } from '../../store/meta/metadata-store.js';
import { readXmlDocument } from '../request-xml.js';
import type { OperationContext, OperationHandler, OperationResult, XmlObject } from '../types.js';
import { checkDocument, childText, type ElementSpec } from './schema.js';

export interface IdKeyedFamily {
  readonly family: IdKeyedConfigFamily;
  /** The configuration's element, e.g. AnalyticsConfiguration. */
  readonly root: string;
  /** Its schema; `Id` is a required leaf. */
  readonly spec: ElementSpec;
  /** The list result's root element. */
  readonly listRoot: string;
  /** Checks beyond the schema (value ranges, destinations). */
  readonly check?: (configuration: XmlObject, ctx: OperationContext, bucket: BucketRecord) => Promise<void> | void;
}

export interface IdKeyedHandlers {
  readonly put: OperationHandler;
  readonly get: OperationHandler;
  readonly delete: OperationHandler;
  readonly list: OperationHandler;
}

const CONFIGURATION_ID = /^[A-Za-z0-9._-]+$/;

export function idKeyedHandlers(family: IdKeyedFamily): IdKeyedHandlers {
  const kindOf = (id: string) => `${family.family}:${id}` as const;
  const stored = async (ctx: OperationContext, bucket: BucketRecord, id: string) => {
    const document = await ctx.services.meta.getBucketConfig(bucket.name, kindOf(id));
    if (document === undefined) throw new S3Error('NoSuchConfiguration');
    return JSON.parse(document) as XmlObject;
  };
  return {
    async put(ctx) {
      const bucket = ctx.bucket;
      const id = configurationId(ctx);
      const configuration = checkDocument(await readXmlDocument(ctx, family.root), family.spec);
      if (childText(configuration, 'Id') !== id) {
        throw new S3Error('InvalidArgument', 'Document ID does not match the specified configuration ID.');
      }
      await family.check?.(configuration, ctx, bucket);
      const { meta } = ctx.services;
      const exists = (await meta.getBucketConfig(bucket.name, kindOf(id))) !== undefined;
      if (!exists && (await meta.listBucketConfigs(bucket.name, family.family, '', limits.bucketConfigsPerFamilyMax)).length >= limits.bucketConfigsPerFamilyMax) {
        throw new S3Error('TooManyConfigurations');
      }
      await meta.putBucketConfig(bucket.name, kindOf(id), JSON.stringify(configuration));
      return {};
    },
    async get(ctx) {
      const bucket = ctx.bucket;
      return { xml: { root: family.root, body: await stored(ctx, bucket, configurationId(ctx)) } };
    },
    async delete(ctx) {
      const bucket = ctx.bucket;
      const id = configurationId(ctx);
      await stored(ctx, bucket, id);
      await ctx.services.meta.putBucketConfig(bucket.name, kindOf(id), undefined);
      return { status: 204 };
    },
    async list(ctx): Promise<OperationResult> {
      const bucket = ctx.bucket;
      const token = ctx.query.get('continuation-token') ?? undefined;
      const afterKind = token === undefined ? '' : decodeToken(token, family.family);
      const page = await ctx.services.meta.listBucketConfigs(bucket.name, family.family, afterKind, limits.configListPageMax + 1);
      const shown = page.slice(0, limits.configListPageMax);
      const truncated = page.length > shown.length;
      return {
        xml: {
          root: family.listRoot,
          body: {
            IsTruncated: truncated,
            ContinuationToken: token,
            NextContinuationToken: truncated ? Buffer.from(shown.at(-1)!.kind).toString('base64url') : undefined,
            [family.root]: shown.map((entry) => JSON.parse(entry.document) as XmlObject),
          },
        },
      };
    },
  };
}

function configurationId(ctx: OperationContext): string {
  const id = ctx.query.get('id');
  if (id === null || id === '') throw new S3Error('InvalidArgument', 'Missing required parameter: id', { ArgumentName: 'id' });
  if (id.length > limits.configIdCharsMax || !CONFIGURATION_ID.test(id)) {
    throw new S3Error('InvalidArgument', 'The configuration ID is not valid.', { ArgumentName: 'id', ArgumentValue: id });
  }
  return id;
}

function decodeToken(token: string, family: IdKeyedConfigFamily): string {
  const kind = Buffer.from(token, 'base64url').toString('utf8');
  if (!kind.startsWith(`${family}:`) || Buffer.from(kind).toString('base64url') !== token) {
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token', ArgumentValue: token });
  }
  return kind;
}
