import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { VippsError } from '../payments/vipps/http.js';
import type { MerchantRedirect } from '../payments/vipps/schemas.js';
import { qrIdFor, QrStickers, type MerchantRedirectQrs } from './qr-stickers.js';

/** A QR API that keeps its codes in a map and counts calls. */
function newTestStickers(opts: { refuse?: boolean; raceOn?: string } = {}) {
  const codes = new Map<string, MerchantRedirect>();
  const calls: string[] = [];
  const qr: MerchantRedirectQrs = {
    async getMerchantRedirect(id) {
      calls.push(`get ${id}`);
      const c = codes.get(id);
      if (!c) throw new VippsError({ operation: 'qr.getMerchantRedirect', status: 404 });
      return c;
    },
    async createMerchantRedirect(body) {
      calls.push(`create ${body.id}`);
      if (opts.refuse) throw new VippsError({ operation: 'qr.createMerchantRedirect', status: 400, detail: 'redirectUrl must be https' });
      const made = { id: body.id, url: `https://qr.example/${body.id}.svg`, redirectUrl: body.redirectUrl, expiresIn: -1 };
      if (opts.raceOn === body.id) {
        codes.set(body.id, made); // another node made it first
        throw new VippsError({ operation: 'qr.createMerchantRedirect', status: 409 });
      }
      codes.set(body.id, made);
      return made;
    },
    async updateMerchantRedirect(id, redirectUrl) {
      calls.push(`update ${id}`);
      const c = { ...codes.get(id)!, redirectUrl };
      codes.set(id, c);
      return c;
    }
  };
  let base = 'https://plugpay.example';
  const sut = new QrStickers({ qr, landingUrl: async (id) => (id.startsWith('NOPE') ? null : `${base}/c/${id}`), logger: silentLogger });
  return { sut, calls, codes, moveTo: (b: string) => (base = b) };
}

describe('QR stickers', () => {
  it('makes a merchant-redirect code per connector once, and reuses it', async () => {
    const { sut, calls } = newTestStickers();
    const first = await sut.sticker('CP-1-1');
    expect(first).toEqual({ ok: true, sticker: { connectorId: 'CP-1-1', qrId: 'plugpay-CP-1-1', imageUrl: 'https://qr.example/plugpay-CP-1-1.svg', redirectUrl: 'https://plugpay.example/c/CP-1-1' } });
    await sut.sticker('CP-1-1');
    expect(calls).toEqual(['get plugpay-CP-1-1', 'create plugpay-CP-1-1', 'get plugpay-CP-1-1']);
  });

  it('points a printed code at the landing page again when it moved, keeping the image', async () => {
    const { sut, calls, moveTo } = newTestStickers();
    await sut.sticker('CP-1-1');
    moveTo('https://charge.example');
    const r = await sut.sticker('CP-1-1');
    expect(r).toMatchObject({ ok: true, sticker: { imageUrl: 'https://qr.example/plugpay-CP-1-1.svg', redirectUrl: 'https://charge.example/c/CP-1-1' } });
    expect(calls.at(-1)).toBe('update plugpay-CP-1-1');
  });

  it('takes the code another node made meanwhile (409)', async () => {
    const { sut } = newTestStickers({ raceOn: 'plugpay-CP-2-1' });
    expect(await sut.sticker('CP-2-1')).toMatchObject({ ok: true, sticker: { qrId: 'plugpay-CP-2-1' } });
  });

  it('says why when the QR API refuses, and when the connector is unknown', async () => {
    expect(await newTestStickers({ refuse: true }).sut.sticker('CP-1-1')).toEqual({ ok: false, connectorId: 'CP-1-1', message: 'The QR API refused: redirectUrl must be https' });
    expect(await newTestStickers().sut.sticker('NOPE-1')).toMatchObject({ ok: false, message: 'No such connector.' });
  });

  it('writes the dots of a connector id the way QR ids allow', () => {
    expect(qrIdFor('site.a-1')).toBe('plugpay-site%2Ea-1');
    expect(qrIdFor('site.a-1')).toMatch(/^[-_+%æøåÆØÅ\w\s]*$/);
  });
});
