/**
 * The shopping cart: a fixed catalogue, and the cart kept in the session as product id → quantity.
 */
import type { DemoSession } from './session-data.js';

/** A product of the catalogue. */
export interface Product {
  id: string;
  name: string;
  /** Price in cents. */
  price: number;
}

/** Everything the shop sells. */
export const CATALOGUE: readonly Product[] = [
  { id: 'tea', name: 'Earl Grey tea', price: 450 },
  { id: 'tarts', name: 'Jam tarts', price: 320 },
  { id: 'hat', name: 'Top hat', price: 2_500 },
  { id: 'watch', name: 'Pocket watch', price: 4_200 },
];

/** Most units of one product in a cart. */
export const MAX_QUANTITY = 99;

/** One cart line with its product. */
export interface CartLine {
  product: Product;
  quantity: number;
}

/** The product with this id, if the catalogue has it. */
export function findProduct(id: string): Product | undefined {
  return CATALOGUE.find((product) => product.id === id);
}

/** The cart's lines in catalogue order; unknown products and bad quantities are ignored. */
export function cartLines(session: DemoSession): CartLine[] {
  const cart = session.get('cart');
  if (cart === null || typeof cart !== 'object') return [];
  const lines: CartLine[] = [];
  for (const product of CATALOGUE) {
    const quantity = Object.hasOwn(cart, product.id) ? cart[product.id] : undefined;
    if (typeof quantity === 'number' && Number.isInteger(quantity) && quantity > 0) lines.push({ product, quantity });
  }
  return lines;
}

/** Units in the cart. */
export function cartCount(session: DemoSession): number {
  return cartLines(session).reduce((sum, line) => sum + line.quantity, 0);
}

/** Total price of the cart in cents. */
export function cartTotal(lines: readonly CartLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.product.price, 0);
}

/** Adds one unit (up to `MAX_QUANTITY`); returns the new quantity. */
export function addToCart(session: DemoSession, product: Product): number {
  const quantities = Object.fromEntries(cartLines(session).map((line) => [line.product.id, line.quantity]));
  const quantity = Math.min((quantities[product.id] ?? 0) + 1, MAX_QUANTITY);
  quantities[product.id] = quantity;
  session.set('cart', quantities);
  return quantity;
}

/** Removes one unit; the cart disappears from the session once empty. Returns the new quantity. */
export function removeFromCart(session: DemoSession, product: Product): number {
  const quantities = Object.fromEntries(cartLines(session).map((line) => [line.product.id, line.quantity]));
  const quantity = Math.max((quantities[product.id] ?? 0) - 1, 0);
  if (quantity === 0) delete quantities[product.id];
  else quantities[product.id] = quantity;
  if (Object.keys(quantities).length === 0) session.delete('cart');
  else session.set('cart', quantities);
  return quantity;
}

/** Formats cents as a price, e.g. `£4.50`. */
export function formatPrice(cents: number): string {
  return `£${(cents / 100).toFixed(2)}`;
}
