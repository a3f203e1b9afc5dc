/**
 * Typing fixture: express-session habits do not compile against sessionkit's session (in
 * JavaScript they throw a TypeError that says what to write instead).
 */
import express from 'express';

express().get('/', (req, res) => {
  // @ts-expect-error -- data is written with set() or through session.data
  req.session.user = 'alice';
  // @ts-expect-error -- regenerate() takes no callback
  req.session.regenerate(() => res.send('regenerated'));
  // @ts-expect-error -- destroy() takes no callback
  req.session.destroy(() => res.send('destroyed'));
  // @ts-expect-error -- sessions are saved for you
  req.session.save(() => res.send('saved'));
  // @ts-expect-error -- no reload either
  req.session.reload(() => res.send('reloaded'));
  // @ts-expect-error -- the cookie's attributes are interface options
  req.session.cookie.maxAge = 1000;
  // @ts-expect-error -- the id is the interface's to choose
  req.session.id = 'mine';
  res.send('ok');
});
