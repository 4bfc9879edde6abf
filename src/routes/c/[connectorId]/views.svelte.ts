/**
 * The landing page's views that are loaded on demand (see +page.ts). `views` is reactive: a view
 * shows once its module has loaded.
 */
import type { Component } from 'svelte';
import type OwnPaymentType from './OwnPayment.svelte';
import type UnavailableType from './Unavailable.svelte';

export interface LazyViews {
  own?: typeof OwnPaymentType;
  unavailable?: typeof UnavailableType;
}

export const views: LazyViews = $state({});

const loaders = {
  own: () => import('./OwnPayment.svelte'),
  unavailable: () => import('./Unavailable.svelte')
};

export async function loadView(name: keyof LazyViews): Promise<void> {
  if (views[name]) return;
  const mod = await loaders[name]();
  (views as Record<string, Component<never>>)[name] = mod.default as Component<never>;
}
