// #region snippet
import { MongoClient } from 'mongodb';
import { MongoStore } from 'sessionkit/stores/mongodb';

const store = new MongoStore({ url: 'mongodb://127.0.0.1:27017', db: 'flask_session', collection: 'sessions' });
// or: new MongoStore({ client: new MongoClient(url) })   (you connect and close it)
// #endregion snippet

// The server is connected on first use: configuring the store reaches no server yet.
const own = new MongoStore({ client: new MongoClient('mongodb://127.0.0.1:27017') });
void Promise.all([store.close(), own.close()]).then(() => console.log(`${store.name} stores configured`));
