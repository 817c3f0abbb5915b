import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { TARGET_TIMEOUT_MS, type EventTarget } from './target.js';

export interface WebhookTargetConfig {
  readonly arn: string;
  readonly type: 'webhook';
  /** POSTed to with the event JSON (http or https). */
  readonly url: string;
  /** Sent as the Authorization header, e.g. 'Bearer …'. */
  readonly authorization?: string;
}

/** Connections kept open to one webhook (deliveries of different keys run in parallel). */
const WEBHOOK_SOCKETS_MAX = 16;

/**
 * HTTP POST of the event JSON; any 2xx acknowledges it. node:http with a keep-alive agent
 * rather than fetch: a delivery per event must cost little beside the write that produced it.
 */
export function webhookTarget(config: WebhookTargetConfig): EventTarget {
  const url = new URL(config.url);
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new Error(`webhook ${config.arn}: url must be http:// or https://`);
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: WEBHOOK_SOCKETS_MAX })
    : new HttpAgent({ keepAlive: true, maxSockets: WEBHOOK_SOCKETS_MAX });
  const send = secure ? httpsRequest : httpRequest;
  // Made once: a URL given to request() is turned into options on every call. Headers go as a
  // list, which Node writes as they are (an object is validated and set header by header): Host
  // and the URL's user info are then ours to send, as Node would have.
  const { auth, ...target } = { ...urlToHttpOptions(url), method: 'POST', agent, timeout: TARGET_TIMEOUT_MS };
  const authorization = config.authorization ?? (auth ? `Basic ${Buffer.from(auth).toString('base64')}` : undefined);
  // Raw headers: name, value, name, value…
  const fixedHeaders = ['Host', url.host, 'Content-Type', 'application/json', ...(authorization ? ['Authorization', authorization] : [])];
  return {
    arn: config.arn,
    send(message) {
      const body = Buffer.from(message);
      return new Promise<void>((resolve, reject) => {
        const req = send({ ...target, headers: [...fixedHeaders, 'Content-Length', String(body.length)] }, (res: IncomingMessage) => {
          res.resume();
          res.once('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status <= 299) resolve();
            else reject(new Error(`webhook ${config.url} answered ${status}`));
          });
          res.once('error', reject);
        });
        req.once('timeout', () => req.destroy(new Error(`webhook ${config.url}: no answer within ${TARGET_TIMEOUT_MS} ms`)));
        req.once('error', reject);
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}
