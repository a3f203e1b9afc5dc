/**
 * Error pages.
 */
import { html } from '../html.js';
import type { Page } from './layout.js';

/** A page for a failed request: a title and a sentence saying what to do. */
export function errorPage(title: string, message: string): Page {
  return { title, body: html`<p data-testid="error-message">${message}</p><p><a href="/">Back to the home page</a></p>` };
}
