/** docs/adapters.md, Express. Run: npx tsx examples/docs/adapters/express.ts */
import express from 'express';
import { sessionInterface } from './interface.js';

const app = express();

// #region snippet
import { session } from 'sessionkit/express';
app.use(session({ sessionInterface }));
app.get('/', (req, res) => {
  req.session.data.visits = (req.session.data.visits ?? 0) + 1; // or req.session.get / set
  res.send('hello');
});
// #endregion snippet

app.listen(3000);
