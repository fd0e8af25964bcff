/**
 * What a product would cost tomorrow with a given seat count: the portal shows it before a switch or a
 * seat change is confirmed. Tomorrow's day share of the monthly price of the version in force
 * tomorrow, with today's 30 days of sessions (as the forecast prices future analytics).
 */
import { addDays, type BillingDay } from '../domain/billing-days';
import { NotFound } from '../domain/errors';
import type { Money } from '../domain/money';
import { isSeatPriced, ProductId } from '../domain/plan';
import { monthlyPriceOf } from '../domain/pricing';
import { productViewAt } from '../domain/product-view';
import { dayShare } from '../domain/proration';
import { sessions30 } from '../domain/timeline';
import { todayOf, type StoreContext } from '../store/context';
import { getProjectItem, plansOf } from '../store/projects';
import { readCurrentTimeline } from '../store/timeline';
import { projectPricesOn } from './prices';

export interface ProductPrice {
  productId: string;
  seats?: number;
  monthlyPrice: Money;
  tomorrow: { date: BillingDay; amount: Money };
}

/** `seats` left out: the product's seats as they stand (or would come back). */
export async function productPriceTomorrow(ctx: StoreContext, projectId: string, productIdText: string, seats?: number): Promise<ProductPrice> {
  const parsed = ProductId.safeParse(productIdText);
  if (!parsed.success) throw new NotFound(`product ${productIdText}`);
  const project = await getProjectItem(ctx, projectId, false);
  const today = todayOf(ctx);
  const tomorrow = addDays(today, 1);
  const [read, version] = await Promise.all([readCurrentTimeline(ctx, projectId, today), projectPricesOn(ctx, plansOf(project), tomorrow)]);
  const product = version.products.find((p) => p.productId === parsed.data);
  if (!product) throw new NotFound(`product ${parsed.data}`);
  const seatPriced = isSeatPriced(product);
  const asNow = productViewAt(read, version, ctx.now(), parsed.data);
  const s = seats ?? asNow?.seats ?? 0;
  const monthlyPrice = monthlyPriceOf(product, s, sessions30(read.sessions, today));
  return { productId: parsed.data, ...(seatPriced ? { seats: s } : {}), monthlyPrice, tomorrow: { date: tomorrow, amount: dayShare(monthlyPrice, tomorrow) } };
}
