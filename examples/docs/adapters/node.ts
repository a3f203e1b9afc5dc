/** docs/adapters.md, node:http. Run: npx tsx examples/docs/adapters/node.ts */
import http from 'node:http';
import { sessionInterface } from './interface.js';

// #region snippet
import { withSession } from 'sessionkit/node';
http.createServer(withSession({ sessionInterface }, (req, res) => {
  req.session.set('visits', (req.session.get('visits') ?? 0) + 1); // visits: number | undefined
  res.end('hello');
})).listen(3000);
// #endregion snippet
