/**
 * Webhooks API v1 (webhooks-v1.yaml; API-NOTES §7): register, list and delete webhook
 * registrations. The secret is returned only when a registration is created (TK webhooks), so the
 * caller must store it.
 */
import { VippsError, type VippsHttp } from './http.js';
import {
  listWebhooksResponse,
  registerWebhookRequest,
  registerWebhookResponse,
  type WebhookRegistration
} from './schemas.js';

const PREFIX = '/webhooks/v1/webhooks';

export class WebhooksApi {
  constructor(private readonly http: VippsHttp) {}

  /** 201 `{id, secret}`. Not retried on an unknown outcome: a repeat would register twice. */
  async register(url: string, events: string[]): Promise<{ id: string; secret: string }> {
    const { data } = await this.http.request({
      operation: 'webhooks.register',
      method: 'POST',
      path: PREFIX,
      body: { url, events },
      requestSchema: registerWebhookRequest,
      response: { schema: registerWebhookResponse }
    });
    return data;
  }

  async list(): Promise<WebhookRegistration[]> {
    const { data } = await this.http.request({
      operation: 'webhooks.list',
      method: 'GET',
      path: PREFIX,
      response: { schema: listWebhooksResponse }
    });
    return data.webhooks;
  }

  /** 204 on success. */
  async delete(id: string): Promise<void> {
    if (!/^[0-9A-Za-z-]{1,64}$/.test(id)) throw new VippsError({ operation: 'webhooks.delete', code: 'invalid-request', detail: `bad webhook id "${id}"` });
    await this.http.request({ operation: 'webhooks.delete', method: 'DELETE', path: `${PREFIX}/${id}`, response: { none: true } });
  }
}
