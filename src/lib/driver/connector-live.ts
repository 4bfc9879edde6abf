/**
 * A connector's live status for its landing page: asked of plugpay's API every few seconds while
 * the page is visible, and at once when it becomes visible again. A plain fetch keeps the
 * Socket.IO client (the largest script plugpay has) out of the page a driver opens first, and
 * leaves nothing open that would keep the page out of the back/forward cache.
 */
import type { ConnectorStatusWord, ConnectorView, UnavailableCode } from '$lib/shared/api';

export interface ConnectorUpdate {
  status: ConnectorStatusWord;
  available: boolean;
  unavailableCode?: UnavailableCode;
}

/** How often a visible landing page asks. */
export const POLL_MS = 4000;

export function followConnector(connectorId: string, onUpdate: (u: ConnectorUpdate) => void): { pause(): void; resume(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;

  async function ask() {
    timer = undefined;
    if (!running) return;
    if (document.visibilityState === 'visible') {
      try {
        const res = await fetch(`/api/connectors/${encodeURIComponent(connectorId)}`, { headers: { accept: 'application/json' }, cache: 'no-store' });
        if (res.ok) {
          const c = (await res.json()) as ConnectorView;
          if (running) onUpdate({ status: c.status, available: c.available, unavailableCode: c.unavailableCode });
        }
      } catch {
        // No network right now: the next round asks again.
      }
    }
    if (running) timer = setTimeout(ask, POLL_MS);
  }

  const onVisible = () => {
    if (document.visibilityState !== 'visible' || !running) return;
    if (timer) clearTimeout(timer);
    void ask();
  };

  function resume() {
    if (running) return;
    running = true;
    document.addEventListener('visibilitychange', onVisible);
    timer = setTimeout(ask, POLL_MS);
  }

  resume();
  return {
    pause() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      document.removeEventListener('visibilitychange', onVisible);
    },
    resume() {
      resume();
      onVisible();
    }
  };
}
