/**
 * QR API v1 (qr-v1.yaml; API-NOTES §8): merchant-redirect QR codes for charger stickers, and the
 * personal-QR exchange for the in-store flow. The image format is chosen with the `Accept` header
 * (the spec has no body field for it): SVG or PNG returns a link to that image, `text/targetUrl`
 * returns the raw QR content.
 */
import { z } from 'zod';
import { VippsError, type VippsHttp } from './http.js';
import {
  merchantRedirectId,
  merchantRedirectList,
  merchantRedirectRequest,
  merchantRedirectResponse,
  merchantRedirectUpdateRequest,
  qrExchangeRequest,
  qrExchangeResponse,
  type MerchantRedirect,
  type MerchantRedirectRequest,
  type QrExchangeResponse
} from './schemas.js';

const PREFIX = '/qr/v1';

export type QrFormat = 'svg' | 'png' | 'text';

export interface QrImageOptions {
  format?: QrFormat;
  /** PNG only, 100–2000 px (qr-v1.yaml, parameters.Size). */
  size?: number;
}

const ACCEPT: Record<QrFormat, string> = { svg: 'image/svg+xml', png: 'image/png', text: 'text/targetUrl' };

/**
 * The sandbox only (it lets them through for loopback hosts): a demo on http://localhost can make
 * its stickers too. Vipps itself requires https (qr-v1.yaml, redirectUrl pattern).
 */
const loopbackHttpUrl = z.string().regex(/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/[\w#!:.?+=&%@\-/]*)?$/, 'must be an http://localhost URL');
const sandboxRedirectRequest = merchantRedirectRequest.extend({ redirectUrl: z.union([merchantRedirectRequest.shape.redirectUrl, loopbackHttpUrl]) });
const sandboxRedirectUpdateRequest = merchantRedirectUpdateRequest.extend({ redirectUrl: sandboxRedirectRequest.shape.redirectUrl });

export class QrApi {
  constructor(
    private readonly http: VippsHttp,
    /** Also accept http://localhost targets: only for the embedded sandbox (demo mode). */
    private readonly opts: { loopbackHttp?: boolean } = {}
  ) {}

  /** 200 with the image link; 409 if the id exists (a VippsError with status 409). */
  async createMerchantRedirect(body: MerchantRedirectRequest, image: QrImageOptions = {}): Promise<MerchantRedirect> {
    const { data } = await this.http.request({
      operation: 'qr.createMerchantRedirect',
      method: 'POST',
      path: `${PREFIX}/merchant-redirect`,
      body,
      requestSchema: this.opts.loopbackHttp ? sandboxRedirectRequest : merchantRedirectRequest,
      headers: imageHeaders('qr.createMerchantRedirect', image),
      // A repeat after an unknown outcome answers 409 instead of creating a second code.
      idempotent: true,
      response: { schema: merchantRedirectResponse }
    });
    return data;
  }

  async getMerchantRedirect(id: string, image: QrImageOptions = {}): Promise<MerchantRedirect> {
    const { data } = await this.http.request({
      operation: 'qr.getMerchantRedirect',
      method: 'GET',
      path: `${PREFIX}/merchant-redirect/${encodeId('qr.getMerchantRedirect', id)}`,
      headers: imageHeaders('qr.getMerchantRedirect', image),
      response: { schema: merchantRedirectResponse }
    });
    return data;
  }

  async listMerchantRedirects(image: QrImageOptions = {}): Promise<MerchantRedirect[]> {
    const { data } = await this.http.request({
      operation: 'qr.listMerchantRedirects',
      method: 'GET',
      path: `${PREFIX}/merchant-redirect`,
      headers: imageHeaders('qr.listMerchantRedirects', image),
      response: { schema: merchantRedirectList }
    });
    return data;
  }

  /** Points an existing (printed) code at a new URL; the image stays the same. */
  async updateMerchantRedirect(id: string, redirectUrl: string, image: QrImageOptions = {}): Promise<MerchantRedirect> {
    const { data } = await this.http.request({
      operation: 'qr.updateMerchantRedirect',
      method: 'PUT',
      path: `${PREFIX}/merchant-redirect/${encodeId('qr.updateMerchantRedirect', id)}`,
      body: { redirectUrl },
      requestSchema: this.opts.loopbackHttp ? sandboxRedirectUpdateRequest : merchantRedirectUpdateRequest,
      headers: imageHeaders('qr.updateMerchantRedirect', image),
      response: { schema: merchantRedirectResponse }
    });
    return data;
  }

  /** A deleted code is dead for good once printed; the id may be reused. */
  async deleteMerchantRedirect(id: string): Promise<void> {
    await this.http.request({
      operation: 'qr.deleteMerchantRedirect',
      method: 'DELETE',
      path: `${PREFIX}/merchant-redirect/${encodeId('qr.deleteMerchantRedirect', id)}`,
      response: { none: true }
    });
  }

  /**
   * Exchanges the complete scanned content of a customer's personal QR for the phone number
   * (`POST /qr/v1/exchange`). Send the whole string: its format may change without notice (EP).
   */
  async exchange(qrCode: string): Promise<QrExchangeResponse> {
    const { data } = await this.http.request({
      operation: 'qr.exchange',
      method: 'POST',
      path: `${PREFIX}/exchange`,
      body: { qrCode, requestedData: ['MSISDN'] },
      requestSchema: qrExchangeRequest,
      // Reading data has no side effect.
      idempotent: true,
      response: { schema: qrExchangeResponse }
    });
    return data;
  }
}

function imageHeaders(operation: string, image: QrImageOptions): Record<string, string> {
  const format = image.format ?? 'svg';
  const h: Record<string, string> = { Accept: ACCEPT[format] };
  if (image.size !== undefined) {
    if (!Number.isInteger(image.size) || image.size < 100 || image.size > 2000) {
      throw new VippsError({ operation, code: 'invalid-request', detail: 'QR size must be an integer from 100 to 2000' });
    }
    h.Size = String(image.size);
  }
  return h;
}

function encodeId(operation: string, id: string): string {
  const r = merchantRedirectId.safeParse(id);
  if (!r.success) throw new VippsError({ operation, code: 'invalid-request', detail: `QR id "${id}": ${r.error.issues[0].message}` });
  return encodeURIComponent(id);
}
