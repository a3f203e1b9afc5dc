/**
 * HTML building with escaping by default: every value interpolated into an `html` template is
 * escaped unless it is already `SafeHtml` (the result of another `html` template).
 */

/** A fragment of HTML that is safe to insert as it is. Only `html` and `raw` make one. */
export class SafeHtml {
  readonly #text: string;

  /** Wraps text that is already valid, safe HTML; prefer the `html` template. */
  constructor(text: string) {
    this.#text = text;
  }

  /** The HTML text. */
  toString(): string {
    return this.#text;
  }
}

/** What an `html` template accepts: strings and numbers (escaped), fragments, lists of both. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for use in HTML content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map((item: HtmlValue) => render(item)).join('');
  return escapeHtml(String(value));
}

/**
 * Tagged template for HTML: `html\`<p>${name}</p>\`` escapes `name`. Booleans, `null` and
 * `undefined` render as nothing, so `${cond && html\`…\`}` works; arrays are joined.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}
