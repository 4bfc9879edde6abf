// See https://svelte.dev/docs/kit/types#app.d.ts
import type { PlugpayBridge } from '$lib/shared/api';
import type { OperatorBridge, StaffMember } from '$lib/shared/operator-api';

declare global {
  namespace App {
    interface Locals {
      /** plugpay's services, in-process (set by hooks.server.ts from globalThis[PLUGPAY_BRIDGE]). */
      plugpay: PlugpayBridge;
      /** The staff side of plugpay (accounts, console), from globalThis[OPERATOR_BRIDGE]. */
      operator: OperatorBridge;
      /** The signed-in member of staff, or null (set by src/lib/server/staff-handle.ts). */
      staff: StaffMember | null;
      /** The CSRF token the signed-in staff's forms and API calls carry. */
      csrf: string;
    }
    interface Error {
      /** A code (driver pages) or, on staff pages, a message in English. */
      message: string;
      /** The error page's words in the driver's language, set on the server (src/lib/server/error-words.ts). */
      words?: { status: string; title: string; text: string; hint?: string; retry: string; home: string };
    }
  }
}

export {};
