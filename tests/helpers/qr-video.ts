/**
 * A fake camera for Chromium (`--use-file-for-fake-video-capture`): a Y4M file whose frames show
 * one QR code, black on white, so the counter's camera path can be tested without a camera.
 */
import { writeFileSync } from 'node:fs';
import QRCode from 'qrcode';

/** Writes a 640×480 Y4M video of `text` as a QR code to `file` (a few identical frames). */
export function writeQrVideo(file: string, text: string, frames = 10): void {
  const W = 640;
  const H = 480;
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 4;
  const scale = Math.floor(Math.min(W, H) / (n + 2 * quiet));
  const side = scale * (n + 2 * quiet);
  const x0 = Math.floor((W - side) / 2);
  const y0 = Math.floor((H - side) / 2);
  const luma = Buffer.alloc(W * H, 235); // white
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!qr.modules.get(r, c)) continue;
      for (let dy = 0; dy < scale; dy++) {
        const row = (y0 + (r + quiet) * scale + dy) * W;
        luma.fill(16, row + x0 + (c + quiet) * scale, row + x0 + (c + quiet + 1) * scale); // black
      }
    }
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128); // no colour (4:2:0)
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), luma, chroma);
  writeFileSync(file, Buffer.concat(parts));
}
