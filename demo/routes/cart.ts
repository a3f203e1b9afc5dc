/**
 * `/cart`: the shop and the cart, with add and remove forms.
 */
import { addToCart, cartLines, findProduct, removeFromCart } from '../cart.js';
import { cartPage } from '../views/cart.js';
import type { Route } from './route.js';

/** The cart page and its forms. */
export const cartRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/cart',
    handle(ctx) {
      ctx.render(cartPage(ctx.csrfField(), cartLines(ctx.session), ctx.user));
    },
  },
  {
    method: 'POST',
    path: '/cart/add',
    handle(ctx) {
      const product = findProduct(ctx.field('product'));
      if (product) {
        const quantity = addToCart(ctx.session, product);
        ctx.flash(`Added ${product.name} (${quantity} in your cart).`, 'success');
      } else {
        ctx.flash('That product is not in the catalogue.', 'error');
      }
      ctx.redirect('/cart');
    },
  },
  {
    method: 'POST',
    path: '/cart/remove',
    handle(ctx) {
      const product = findProduct(ctx.field('product'));
      if (product) {
        const quantity = removeFromCart(ctx.session, product);
        ctx.flash(quantity === 0 ? `Removed ${product.name}.` : `Removed one ${product.name} (${quantity} left).`, 'info');
      } else {
        ctx.flash('That product is not in the catalogue.', 'error');
      }
      ctx.redirect('/cart');
    },
  },
];
