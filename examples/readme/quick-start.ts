import http from 'node:http';
import { CookieSessionInterface } from 'sessionkit';
import { withSession } from 'sessionkit/node';

// Types the session everywhere in the app (keys not declared here hold `unknown` values).
declare module 'sessionkit' {
  interface SessionData {
    user?: string;
    visits?: number;
    cart?: number[];
  }
}

const sessionInterface = new CookieSessionInterface({
  secret: process.env.SECRET_KEY!, // the same SECRET_KEY as your Flask app, if you share sessions
  sameSite: 'Lax',
});

http.createServer(withSession({ sessionInterface }, (req, res) => {
  req.session.data.cart ??= [];
  req.session.data.cart.push(42); // in-place changes are saved too
  res.end(`cart: ${req.session.data.cart.length} item(s)`);
})).listen(3000);
