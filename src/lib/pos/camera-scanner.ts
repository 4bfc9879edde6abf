/**
 * Reads QR codes from the device camera: the browser's own `BarcodeDetector` where it has one
 * (Chromium on Android, ChromeOS, macOS), otherwise `@paulmillr/qr`'s decoder on video frames
 * (small, dependency-free and maintained), loaded only when needed.
 */
type Detect = (video: HTMLVideoElement) => Promise<string | null>;

interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
interface BarcodeDetectorCtor {
  new (opts: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

async function nativeDetector(): Promise<Detect | null> {
  const Ctor = (globalThis as { BarcodeDetector?: BarcodeDetectorCtor }).BarcodeDetector;
  if (!Ctor) return null;
  const formats = await Ctor.getSupportedFormats().catch(() => [] as string[]);
  if (!formats.includes('qr_code')) return null;
  const detector = new Ctor({ formats: ['qr_code'] });
  return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
}

async function libraryDetector(): Promise<Detect> {
  const { default: decodeQR } = await import('@paulmillr/qr/decode.js');
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('This browser cannot read camera frames.');
  return async (video) => {
    if (!video.videoWidth) return null;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    ctx.drawImage(video, 0, 0);
    try {
      return decodeQR(ctx.getImageData(0, 0, canvas.width, canvas.height));
    } catch {
      return null; // no code in this frame; the next one may have it
    }
  };
}

/**
 * Starts the camera in `video` and calls `onCode` with the first code read. Returns a function
 * that stops the camera. Throws with words for the cashier when there is no camera to use.
 */
export async function startCameraScan(video: HTMLVideoElement, onCode: (text: string) => void): Promise<() => void> {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser has no camera access (it needs https).');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  await video.play();
  const detect = (await nativeDetector()) ?? (await libraryDetector());
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const t of stream.getTracks()) t.stop();
    video.srcObject = null;
  };
  const tick = async () => {
    if (stopped) return;
    const text = await detect(video).catch(() => null);
    if (text && !stopped) {
      stop();
      onCode(text);
      return;
    }
    setTimeout(() => void tick(), 200);
  };
  void tick();
  return stop;
}
