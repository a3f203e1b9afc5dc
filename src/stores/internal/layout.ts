import { validate } from '../../config.js';
import type { StoreLayout } from '../store.js';

/** Every record layout, the default first. */
export const STORE_LAYOUTS: readonly StoreLayout[] = ['sessionkit', 'flask-session'];

/** Reads a `layout` option: `'sessionkit'` when absent, a `ConfigError` for anything but a layout. */
export function layoutOption(value: unknown): StoreLayout {
  return validate.oneOf('layout', value ?? STORE_LAYOUTS[0], STORE_LAYOUTS);
}
