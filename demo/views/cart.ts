/**
 * The shop: the catalogue with add buttons, and the cart with remove buttons.
 */
import { CATALOGUE, cartTotal, formatPrice, type CartLine } from '../cart.js';
import { html, type SafeHtml } from '../html.js';
import type { Page } from './layout.js';

function button(action: 'add' | 'remove', productId: string, label: string, csrfField: SafeHtml, testId: string): SafeHtml {
  return html`<form method="post" action="/cart/${action}" class="inline">${csrfField}<input type="hidden" name="product" value="${productId}"><button type="submit" class="${action === 'remove' ? 'secondary' : ''}" data-testid="${testId}">${label}</button></form>`;
}

/** The cart page. */
export function cartPage(csrfField: SafeHtml, lines: readonly CartLine[], user: string | undefined): Page {
  const products = CATALOGUE.map(
    (product) => html`<li><span>${product.name} <small class="muted">${formatPrice(product.price)}</small></span>${button('add', product.id, 'Add', csrfField, `add-${product.id}`)}</li>`,
  );
  const cart =
    lines.length === 0
      ? html`<p class="muted" data-testid="cart-empty">Your cart is empty.</p>`
      : html`<table class="cart">
  <thead><tr><th>Item</th><th class="num">Qty</th><th class="num">Price</th><th></th></tr></thead>
  <tbody>${lines.map(
    ({ product, quantity }) =>
      html`<tr data-testid="cart-line-${product.id}"><td>${product.name}</td><td class="num" data-testid="qty-${product.id}">${quantity}</td><td class="num">${formatPrice(quantity * product.price)}</td><td>${button('remove', product.id, 'Remove one', csrfField, `remove-${product.id}`)}</td></tr>`,
  )}</tbody>
  <tfoot><tr><th>Total</th><th></th><th class="num" data-testid="cart-total">${formatPrice(cartTotal(lines))}</th><th></th></tr></tfoot>
</table>`;
  return {
    title: 'Cart',
    body: html`<p class="muted">The cart lives in the session, so it works without logging in${user === undefined ? '' : ` (you are logged in as ${user})`} and survives logging in.</p>
<div class="shop">
  <section><h2>Shop</h2><ul class="products">${products}</ul></section>
  <section><h2>Your cart</h2>${cart}</section>
</div>`,
  };
}
