/** The augmentation docs/adapters.md shows; the import makes TypeScript find `sessionkit`. */
import type {} from 'sessionkit';

// #region snippet
declare module 'sessionkit' {
  interface SessionData { user?: string; visits?: number }
}
// #endregion snippet
