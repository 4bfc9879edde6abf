// See https://svelte.dev/docs/kit/types#app.d.ts
import type { PlugpayBridge } from '$lib/shared/api';

declare global {
  namespace App {
    interface Locals {
      /** plugpay's services, in-process (set by hooks.server.ts from globalThis[PLUGPAY_BRIDGE]). */
      plugpay: PlugpayBridge;
    }
    interface Error {
      message: string;
    }
  }
}

export {};
