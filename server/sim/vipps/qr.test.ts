import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { msisdnForPersonalQr, personalQrFor } from './qr.js';
import type { VippsSandbox } from './sandbox.js';
import { aPayment, aSandbox, client, tokenFor } from './test-kit.js';

let sb: VippsSandbox;
let api: ReturnType<typeof client>;
beforeEach(async () => {
  sb = aSandbox();
  api = client(sb, await tokenFor(sb));
});
afterEach(() => sb.close());
const local = (url: string) => url.replace('http://localhost:3000/sandbox/vipps', '');

describe('merchant redirect QR', () => {
  it('creates, reads, lists, updates and deletes', async () => {
    const c = await api.post('/qr/v1/merchant-redirect', { id: 'charger-17', redirectUrl: 'https://plugpay.example/c/17' }, undefined, { Accept: 'image/svg+xml' });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ id: 'charger-17', redirectUrl: 'https://plugpay.example/c/17', expiresIn: -1 });
    expect(c.body.url).toMatch(/\.svg$/);
    expect((await api.post('/qr/v1/merchant-redirect', { id: 'charger-17', redirectUrl: 'https://plugpay.example/c/17' }, undefined, { Accept: 'image/png' })).status).toBe(409);
    expect((await api.get('/qr/v1/merchant-redirect/charger-17', { Accept: 'image/png' })).body.url).toMatch(/\.png$/);
    expect((await api.get('/qr/v1/merchant-redirect', { Accept: 'image/*' })).body).toHaveLength(1);
    const u = await api.call('PUT', '/qr/v1/merchant-redirect/charger-17', { redirectUrl: 'https://plugpay.example/c/17b' }, { Accept: 'text/targetUrl' });
    expect(u.status).toBe(200);
    // the QR content is a stable sandbox link that now redirects to the new target
    const hop = await sb.app.request(local(u.body.url));
    expect(hop.status).toBe(302);
    expect(hop.headers.get('location')).toBe('https://plugpay.example/c/17b');
    expect((await api.call('DELETE', '/qr/v1/merchant-redirect/charger-17')).status).toBe(200);
    expect((await api.get('/qr/v1/merchant-redirect/charger-17', { Accept: 'image/*' })).status).toBe(404);
    expect((await sb.app.request(local(u.body.url))).status).toBe(404);
  });

  it('serves real SVG and PNG images', async () => {
    const svg = await api.post('/qr/v1/merchant-redirect', { id: 'img', redirectUrl: 'https://plugpay.example/x' }, undefined, { Accept: 'image/svg+xml' });
    const s = await sb.app.request(local(svg.body.url));
    expect(s.headers.get('content-type')).toBe('image/svg+xml');
    expect(await s.text()).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const png = await api.get('/qr/v1/merchant-redirect/img', { Accept: 'image/png', Size: '300' });
    const p = await sb.app.request(local(png.body.url));
    expect(p.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await p.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    // PNG IHDR width
    expect(new DataView(bytes.buffer).getUint32(16)).toBe(300);
  });

  it('validates the body, Accept and Size', async () => {
    expect((await api.post('/qr/v1/merchant-redirect', { id: 'a', redirectUrl: 'http://plugpay.example/x' }, undefined, { Accept: 'image/png' })).status).toBe(400);
    expect((await api.post('/qr/v1/merchant-redirect', { id: 'bad/id', redirectUrl: 'https://plugpay.example/x' }, undefined, { Accept: 'image/png' })).status).toBe(400);
    expect((await api.post('/qr/v1/merchant-redirect', { id: 'a', redirectUrl: 'https://plugpay.example/x', ttl: 10 }, undefined, { Accept: 'image/png' })).status).toBe(400);
    expect((await api.post('/qr/v1/merchant-redirect', { id: 'a', redirectUrl: 'https://plugpay.example/x' }, undefined, { Accept: 'application/json' })).status).toBe(415);
    expect((await api.post('/qr/v1/merchant-redirect', { id: 'a', redirectUrl: 'https://plugpay.example/x' }, undefined, { Accept: 'image/png', Size: '5000' })).status).toBe(400);
    expect((await api.post('/qr/v1/merchant-redirect', 'nope', undefined, { Accept: 'image/png' })).status).toBe(400);
    expect(Object.keys(sb.state.qr)).toHaveLength(0);
  });

  it('ePayment userFlow QR returns an image link of the app page', async () => {
    const body = aPayment({ userFlow: 'QR', returnUrl: undefined, qrFormat: { format: 'IMAGE/PNG', size: 200 } });
    const r = await api.post('/epayment/v1/payments', body, 'qr1');
    const img = await sb.app.request(local(r.body.redirectUrl));
    expect(img.headers.get('content-type')).toBe('image/png');
  });
});

describe('personal QR exchange', () => {
  it('maps a sandbox personal QR back to its MSISDN, and any other content deterministically', async () => {
    const r = await api.post('/qr/v1/exchange', { qrCode: personalQrFor('4791234567') });
    expect(r.body).toEqual({ msisdn: '4791234567', version: '1.0' });
    const other = await api.post('/qr/v1/exchange', { qrCode: 'https://qr.example/abcdef' });
    expect(other.body.msisdn).toMatch(/^47\d{8}$/);
    expect(msisdnForPersonalQr('https://qr.example/abcdef')).toBe(other.body.msisdn);
    const bad = await api.post('/qr/v1/exchange', { qrCode: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ title: 'Bad Request', status: 400 });
  });
});
