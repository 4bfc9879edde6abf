/**
 * The landing page's rarer views (the driver's own payment waiting for approval; a busy
 * connector) are loaded only when shown: here, before the page renders, for the state the
 * page opens in (so the server render and the browser's agree), and by the page itself when a
 * live status change needs one later (views.svelte.ts). Most scans find a free connector and load
 * neither.
 */
import type { PageLoad } from './$types';
import { loadView } from './views.svelte';

export const load: PageLoad = async ({ data }) => {
  if (data.own) await loadView('own');
  else if (!data.connector.available) await loadView('unavailable');
  return data;
};
