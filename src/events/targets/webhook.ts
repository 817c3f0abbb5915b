import { TARGET_TIMEOUT_MS, type EventTarget } from './target.js';

export interface WebhookTargetConfig {
  readonly arn: string;
  readonly type: 'webhook';
  /** POSTed to with the event JSON. */
  readonly url: string;
  /** Sent as the Authorization header, e.g. 'Bearer …'. */
  readonly authorization?: string;
}

/** HTTP POST of the event JSON; any 2xx acknowledges it. */
export function webhookTarget(config: WebhookTargetConfig): EventTarget {
  return {
    arn: config.arn,
    async send(message) {
      const response = await fetch(config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(config.authorization ? { authorization: config.authorization } : {}) },
        body: message,
        signal: AbortSignal.timeout(TARGET_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (response.status < 200 || response.status > 299) throw new Error(`webhook ${config.url} answered ${response.status}`);
    },
    async close() {},
  };
}
