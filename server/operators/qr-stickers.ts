/**
 * Connector stickers through the Vipps MobilePay QR API: one merchant-redirect QR per connector
 * (QR API v1, API-NOTES §8), pointing at the connector's landing page. A merchant-redirect code
 * never expires and its target can be changed without reprinting, so the id is derived from the
 * connector and an existing code is reused (and re-pointed if the landing URL moved).
 */
import type { MerchantRedirect } from '../payments/vipps/schemas.js';
import { VippsError } from '../payments/vipps/http.js';
import type { Logger } from '../log.js';

/** The part of the QR API stickers need (server/payments/vipps/qr.ts). */
export interface MerchantRedirectQrs {
  getMerchantRedirect(id: string, image?: { format?: 'svg' | 'png' }): Promise<MerchantRedirect>;
  createMerchantRedirect(body: { id: string; redirectUrl: string }, image?: { format?: 'svg' | 'png' }): Promise<MerchantRedirect>;
  updateMerchantRedirect(id: string, redirectUrl: string, image?: { format?: 'svg' | 'png' }): Promise<MerchantRedirect>;
}

export interface Sticker {
  connectorId: string;
  qrId: string;
  /** The QR image (SVG) as the QR API serves it. */
  imageUrl: string;
  /** Where a scan leads: the connector's landing page. */
  redirectUrl: string;
}

export type StickerResult = { ok: true; sticker: Sticker } | { ok: false; connectorId: string; message: string };

/**
 * The QR id for a connector: `plugpay-<connector id>`. QR ids allow letters, digits, space and
 * - _ + % æøå (qr-v1.yaml), connector ids also '.', which is written %2E.
 */
export function qrIdFor(connectorId: string): string {
  return `plugpay-${connectorId.replace(/\./g, '%2E')}`;
}

export class QrStickers {
  constructor(private readonly deps: { qr: MerchantRedirectQrs; landingUrl(connectorId: string): Promise<string | null>; logger: Logger }) {}

  async sticker(connectorId: string): Promise<StickerResult> {
    const redirectUrl = await this.deps.landingUrl(connectorId);
    if (!redirectUrl) return { ok: false, connectorId, message: 'No such connector.' };
    const id = qrIdFor(connectorId);
    try {
      let qr = await this.existing(id);
      if (!qr) {
        qr = await this.deps.qr.createMerchantRedirect({ id, redirectUrl }, { format: 'svg' }).catch(async (err) => {
          // Made meanwhile (another node, or a retry after a lost answer): take that one.
          if (err instanceof VippsError && err.status === 409) return this.deps.qr.getMerchantRedirect(id, { format: 'svg' });
          throw err;
        });
        this.deps.logger.info({ connectorId, qrId: id }, 'QR sticker code created');
      } else if (qr.redirectUrl !== redirectUrl) {
        qr = await this.deps.qr.updateMerchantRedirect(id, redirectUrl, { format: 'svg' });
        this.deps.logger.info({ connectorId, qrId: id }, 'QR sticker code re-pointed at the landing page');
      }
      return { ok: true, sticker: { connectorId, qrId: id, imageUrl: qr.url, redirectUrl: qr.redirectUrl } };
    } catch (err) {
      if (err instanceof VippsError) {
        this.deps.logger.warn({ err, connectorId }, 'QR API refused a sticker');
        return { ok: false, connectorId, message: `The QR API refused: ${err.detail ?? err.message}` };
      }
      throw err;
    }
  }

  private async existing(id: string): Promise<MerchantRedirect | null> {
    try {
      return await this.deps.qr.getMerchantRedirect(id, { format: 'svg' });
    } catch (err) {
      if (err instanceof VippsError && err.status === 404) return null;
      throw err;
    }
  }
}
