/**
 * A connector's live status for its landing page, over Socket.IO. The socket client is loaded
 * after the page has shown (it is not needed to read the price or to pay), and the connection
 * can be paused while the page sits in the back/forward cache.
 */
import type { ConnectorStatusWord, UnavailableCode } from '$lib/shared/api';

export interface ConnectorUpdate {
  status: ConnectorStatusWord;
  available: boolean;
  unavailableCode?: UnavailableCode;
}

export function followConnector(connectorId: string, onUpdate: (u: ConnectorUpdate) => void): { pause(): void; resume(): void } {
  let socket: import('$lib/socket').PlugpaySocket | undefined;
  let stopped = false;

  async function open() {
    const { connectSocket, request } = await import('$lib/socket');
    if (stopped || socket) return;
    const s = connectSocket();
    socket = s;
    s.on('connect', async () => {
      try {
        const c = await request(s, 8000, 'connector:join', { connectorId });
        onUpdate({ status: c.status, available: c.available, unavailableCode: c.unavailableCode });
      } catch (err) {
        console.warn('plugpay: connector:join failed', err);
      }
    });
    s.on('connector:update', (u) => {
      if (u.connectorId === connectorId) onUpdate({ status: u.status, available: u.available, unavailableCode: u.unavailableCode });
    });
  }

  open().catch((err) => console.warn('plugpay: live status unavailable', err));
  return {
    pause() {
      stopped = true;
      socket?.disconnect();
      socket = undefined;
    },
    resume() {
      stopped = false;
      open().catch((err) => console.warn('plugpay: live status unavailable', err));
    }
  };
}
