/**
 * How the website endpoint answers a key: the index document that stands for a folder, and the
 * redirects of a configuration (RedirectAllRequestsTo, routing rules) as AWS applies them.
 */
import type { RoutingRule, WebsiteConfig } from './config.js';

/** The key a website path names: a folder ('' or ending in '/') stands for its index document. */
export function indexKey(key: string, suffix: string): string {
  return key === '' || key.endsWith('/') ? key + suffix : key;
}

/** The first rule that redirects a request before its object is read (no error-code condition). */
export function ruleBeforeRead(config: WebsiteConfig, key: string): RoutingRule | undefined {
  return config.routingRules.find((rule) => rule.condition?.httpErrorCodeReturnedEquals === undefined && key.startsWith(rule.condition?.keyPrefixEquals ?? ''));
}

/** The first rule that redirects a request whose read failed with `status`. */
export function ruleOnError(config: WebsiteConfig, key: string, status: number): RoutingRule | undefined {
  return config.routingRules.find(
    (rule) => rule.condition?.httpErrorCodeReturnedEquals === String(status) && key.startsWith(rule.condition.keyPrefixEquals ?? ''),
  );
}

export interface Redirect {
  readonly status: number;
  readonly location: string;
}

/** Where a routing rule sends `key`; protocol and host default to the request's own. */
export function ruleRedirect(rule: RoutingRule, key: string, request: { protocol: string; host: string }): Redirect {
  const { redirect } = rule;
  const prefix = rule.condition?.keyPrefixEquals ?? '';
  const target =
    redirect.replaceKeyWith !== undefined
      ? redirect.replaceKeyWith
      : redirect.replaceKeyPrefixWith !== undefined
        ? redirect.replaceKeyPrefixWith + key.slice(prefix.length)
        : key;
  return {
    status: Number(redirect.httpRedirectCode ?? 301),
    location: `${redirect.protocol ?? request.protocol}://${redirect.hostName ?? request.host}/${encodeKey(target)}`,
  };
}

/** RedirectAllRequestsTo: every request goes to the same path on another host. */
export function redirectAll(config: WebsiteConfig, path: string, requestProtocol: string): Redirect | undefined {
  if (!config.redirectAll) return undefined;
  return { status: 301, location: `${config.redirectAll.protocol ?? requestProtocol}://${config.redirectAll.hostName}${path}` };
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
