/**
 * The cookie jar next to the session, on node:http. Run: npx tsx examples/readme/cookies.ts
 */
import http from 'node:http';
import { CookieSessionInterface } from 'sessionkit';
import { withSession } from 'sessionkit/node';

const sessionInterface = new CookieSessionInterface({ secret: process.env.SECRET_KEY! });
const cookies = { secret: process.env.SECRET_KEY! };

http.createServer(withSession({ sessionInterface, cookies }, (req, res) => {
  // #region snippet
  req.cookies.get('theme');
  req.cookies.set('theme', 'dark', { maxAge: 30 });          // path "/" by default
  req.cookies.delete('theme');                               // expires it (Max-Age=0, Expires 1970)
  req.cookies.setSigned('cart_id', '42');                    // needs cookies: { secret } in the adapter options
  req.cookies.getSigned('cart_id');                          // undefined when tampered
  // #endregion snippet
  res.end('cookies set');
})).listen(3000);
