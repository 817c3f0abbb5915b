/**
 * A bucket's website configuration: the WebsiteConfiguration document validated as AWS answers it,
 * its stored form (JSON, opaque to the store) and GetBucketWebsite's document.
 */
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import { childrenOf, leaf, repeated, single } from '../config/elements.js';
import type { XmlObject } from '../types.js';

export type Protocol = 'http' | 'https';

export interface WebsiteRedirect {
  readonly protocol?: Protocol;
  readonly hostName?: string;
  readonly replaceKeyPrefixWith?: string;
  readonly replaceKeyWith?: string;
  readonly httpRedirectCode?: string;
}

export interface RoutingRule {
  readonly condition?: { readonly keyPrefixEquals?: string; readonly httpErrorCodeReturnedEquals?: string };
  readonly redirect: WebsiteRedirect;
}

export interface WebsiteConfig {
  readonly indexSuffix?: string;
  readonly errorKey?: string;
  readonly redirectAll?: { readonly hostName: string; readonly protocol?: Protocol };
  readonly routingRules: readonly RoutingRule[];
}

const INVALID_PROTOCOL = 'Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.';

/** The parsed `<WebsiteConfiguration>` element → configuration; MalformedXML / InvalidArgument / InvalidRequest as AWS. */
export function readWebsiteConfiguration(document: Record<string, unknown>): WebsiteConfig {
  const root = childrenOf(document, ['RedirectAllRequestsTo', 'IndexDocument', 'ErrorDocument', 'RoutingRules']);
  const redirectAllElement = single(root, 'RedirectAllRequestsTo');
  if (redirectAllElement !== undefined) {
    if (root.IndexDocument !== undefined || root.ErrorDocument !== undefined || root.RoutingRules !== undefined) throw new S3Error('MalformedXML');
    const redirectAll = childrenOf(redirectAllElement, ['HostName', 'Protocol']);
    const hostName = leaf(redirectAll, 'HostName');
    if (!hostName) throw new S3Error('MalformedXML');
    const protocol = protocolOf(leaf(redirectAll, 'Protocol'));
    return { redirectAll: { hostName, ...(protocol ? { protocol } : {}) }, routingRules: [] };
  }
  const indexElement = single(root, 'IndexDocument');
  if (indexElement === undefined) {
    throw new S3Error('InvalidArgument', 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty', { ArgumentName: 'IndexDocument', ArgumentValue: 'null' });
  }
  const indexSuffix = leaf(childrenOf(indexElement, ['Suffix']), 'Suffix');
  if (!indexSuffix || indexSuffix.includes('/')) {
    throw new S3Error('InvalidArgument', 'The IndexDocument Suffix is not well formed', { ArgumentName: 'IndexDocument', ArgumentValue: indexSuffix ?? 'null' });
  }
  const errorElement = single(root, 'ErrorDocument');
  const errorKey = errorElement === undefined ? undefined : leaf(childrenOf(errorElement, ['Key']), 'Key');
  if (errorElement !== undefined && !errorKey) throw new S3Error('MalformedXML');
  const rulesElement = single(root, 'RoutingRules');
  const routingRules = rulesElement === undefined ? [] : readRoutingRules(rulesElement);
  return { indexSuffix, ...(errorKey ? { errorKey } : {}), routingRules };
}

function readRoutingRules(element: unknown): RoutingRule[] {
  const rules = childrenOf(element, ['RoutingRule']);
  if (rules.RoutingRule === undefined) throw new S3Error('MalformedXML');
  const list = repeated(rules, 'RoutingRule');
  if (list.length > limits.websiteRoutingRulesMax) throw new S3Error('InvalidRequest', `The number of routing rules must not exceed ${limits.websiteRoutingRulesMax}.`);
  return list.map(readRoutingRule);
}

function readRoutingRule(element: unknown): RoutingRule {
  const rule = childrenOf(element, ['Condition', 'Redirect']);
  const conditionElement = single(rule, 'Condition');
  let condition: RoutingRule['condition'];
  if (conditionElement !== undefined) {
    const c = childrenOf(conditionElement, ['KeyPrefixEquals', 'HttpErrorCodeReturnedEquals']);
    const keyPrefixEquals = leaf(c, 'KeyPrefixEquals');
    const httpErrorCodeReturnedEquals = leaf(c, 'HttpErrorCodeReturnedEquals');
    if (keyPrefixEquals === undefined && httpErrorCodeReturnedEquals === undefined) {
      throw new S3Error('InvalidRequest', "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.");
    }
    if (httpErrorCodeReturnedEquals !== undefined && !/^[45]\d\d$/.test(httpErrorCodeReturnedEquals)) {
      throw new S3Error('InvalidRequest', `The provided HTTP error code (${httpErrorCodeReturnedEquals}) is not valid. Valid codes are 4XX or 5XX.`);
    }
    condition = { ...(keyPrefixEquals !== undefined ? { keyPrefixEquals } : {}), ...(httpErrorCodeReturnedEquals !== undefined ? { httpErrorCodeReturnedEquals } : {}) };
  }
  const redirectElement = single(rule, 'Redirect');
  if (redirectElement === undefined) throw new S3Error('MalformedXML');
  const r = childrenOf(redirectElement, ['Protocol', 'HostName', 'ReplaceKeyPrefixWith', 'ReplaceKeyWith', 'HttpRedirectCode']);
  const replaceKeyPrefixWith = leaf(r, 'ReplaceKeyPrefixWith');
  const replaceKeyWith = leaf(r, 'ReplaceKeyWith');
  if (replaceKeyPrefixWith !== undefined && replaceKeyWith !== undefined) {
    throw new S3Error('InvalidRequest', 'You can only define ReplaceKeyPrefix or ReplaceKey but not both.');
  }
  const httpRedirectCode = leaf(r, 'HttpRedirectCode');
  if (httpRedirectCode !== undefined && (!/^3\d\d$/.test(httpRedirectCode) || httpRedirectCode === '300')) {
    throw new S3Error('InvalidRequest', `The provided HTTP redirect code (${httpRedirectCode}) is not valid. Valid codes are 3XX except 300.`);
  }
  const protocol = protocolOf(leaf(r, 'Protocol'));
  const hostName = leaf(r, 'HostName');
  const redirect: WebsiteRedirect = {
    ...(protocol ? { protocol } : {}),
    ...(hostName !== undefined ? { hostName } : {}),
    ...(replaceKeyPrefixWith !== undefined ? { replaceKeyPrefixWith } : {}),
    ...(replaceKeyWith !== undefined ? { replaceKeyWith } : {}),
    ...(httpRedirectCode !== undefined ? { httpRedirectCode } : {}),
  };
  return { ...(condition ? { condition } : {}), redirect };
}

function protocolOf(value: string | undefined): Protocol | undefined {
  if (value === undefined) return undefined;
  if (value !== 'http' && value !== 'https') throw new S3Error('InvalidRequest', INVALID_PROTOCOL);
  return value;
}

/** GetBucketWebsite's document body, in AWS's element order. */
export function websiteConfigurationXml(config: WebsiteConfig): XmlObject {
  return {
    RedirectAllRequestsTo: config.redirectAll && { HostName: config.redirectAll.hostName, Protocol: config.redirectAll.protocol },
    IndexDocument: config.indexSuffix === undefined ? undefined : { Suffix: config.indexSuffix },
    ErrorDocument: config.errorKey === undefined ? undefined : { Key: config.errorKey },
    RoutingRules:
      config.routingRules.length === 0
        ? undefined
        : {
            RoutingRule: config.routingRules.map((rule) => ({
              Condition: rule.condition && { KeyPrefixEquals: rule.condition.keyPrefixEquals, HttpErrorCodeReturnedEquals: rule.condition.httpErrorCodeReturnedEquals },
              Redirect: {
                Protocol: rule.redirect.protocol,
                HostName: rule.redirect.hostName,
                ReplaceKeyPrefixWith: rule.redirect.replaceKeyPrefixWith,
                ReplaceKeyWith: rule.redirect.replaceKeyWith,
                HttpRedirectCode: rule.redirect.httpRedirectCode,
              },
            })),
          },
  };
}

export function storedWebsiteConfig(document: string): WebsiteConfig {
  return JSON.parse(document) as WebsiteConfig;
}
