/** The HTTP shapes of the portal (docs/api.md "Portal"). */
import * as z from 'zod';
import { Money } from '../domain/money';
import { ProductId } from '../domain/plan';
import { Day, Instant } from '../domain/values';

export const PortalLocale = z.enum(['uk', 'en']);
export type PortalLocale = z.infer<typeof PortalLocale>;

/** Where the page's "back" link leads: an http(s) address of the operator's own site. */
const ReturnUrl = z.string().max(2000).refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}, 'an absolute http(s) URL');

export const CreatePortalSession = z.strictObject({
  /** @default 'uk' */
  locale: PortalLocale.optional(),
  /** @default false: the page only reads */
  allowChanges: z.boolean().optional(),
  returnUrl: ReturnUrl.optional(),
});

export const PortalSessionCreated = z.object({ url: z.string(), expiresAt: Instant });

export const PriceQuery = z.strictObject({ seats: z.string().regex(/^\d{1,5}$/, 'a whole number 0 to 10000').transform(Number).pipe(z.number().int().min(0).max(10_000)).optional() });

/** What a product would cost tomorrow with `seats` (the page shows it before a change is confirmed). */
export const ProductPrice = z.object({
  productId: ProductId,
  seats: z.number().int().min(0).optional(),
  monthlyPrice: Money,
  tomorrow: z.object({ date: Day, amount: Money }),
});

/** The page and its assets: text, not JSON. */
export const PageText = z.string();
