/**
 * The counter's services, built from the store and the Vipps client: one call for the
 * composition root (main.ts) and the tests.
 */
import type { Logger } from '../log.js';
import type { VippsClient } from '../payments/vipps/client.js';
import { VippsInStore } from '../payments/vipps-in-store.js';
import type { Clock } from '../sessions/ports.js';
import { CatalogueRepository } from '../store/catalogue-repository.js';
import type { Db } from '../store/db.js';
import { SaleRepository } from '../store/sale-repository.js';
import { CatalogueService } from './catalogue-service.js';
import { SaleService } from './sale-service.js';

/** Counter sales' payment references start so; a charging session's never do. */
export const isCounterReference = (reference: string) => reference.startsWith('pos-');

export function createCounter(deps: { db: Db; vipps: Pick<VippsClient, 'epayment' | 'qr'>; clock: Clock; logger: Logger; merchantName?: string }) {
  const catalogue = new CatalogueRepository();
  return {
    catalogue: new CatalogueService({ db: deps.db, catalogue, clock: deps.clock }),
    sales: new SaleService({
      db: deps.db,
      sales: new SaleRepository(),
      catalogue,
      payments: new VippsInStore(deps.vipps),
      clock: deps.clock,
      logger: deps.logger.child({ component: 'counter' }),
      merchantName: deps.merchantName
    })
  };
}
