/**
 * A tour of the `Session` API, on a cookie session. Run: npx tsx examples/readme/session-api.ts
 */
/* eslint-disable @typescript-eslint/no-unused-expressions -- each line shows one method or property */
import { CookieSessionInterface, type Session } from 'sessionkit';

declare module 'sessionkit' {
  interface SessionData {
    user?: string;
    cart?: number[];
  }
}

async function tour(session: Session): Promise<void> {
  // #region snippet
  session.get('user')                 // value or undefined (typed by SessionData, or Session<T>)
  session.get('cart', [])             // with a default
  session.set('user', 'alice'); session.update({ a: 1, b: 2 }); session.setDefault('cart', [])
  session.data.user = 'alice'; session.data.cart?.push(3); delete session.data.cart   // the same, as properties
  session.has('user'); session.delete('user'); session.pop('user'); session.clear()
  session.keys(); session.values(); session.entries(); session.size; session.toObject()
  session.permanent = true            // stored as _permanent, like Flask
  session.flash('Saved', 'info')      // stored as Flask does: _flashes = [(category, message)]
  session.consumeFlashes()            // [{ category, message }], removed from the session
  session.regenerate(); session.destroy()
  session.modified; session.accessed; session.isNew; session.id   // id: server-side sessions
  await session.load()                // server-side sessions with load: 'lazy'
  // #endregion snippet
}

const sessionInterface = new CookieSessionInterface({ secret: process.env.SECRET_KEY! });
const session = sessionInterface.open(undefined);
void tour(session).then(() => console.log(session.modified ? 'changed' : 'unchanged'));
