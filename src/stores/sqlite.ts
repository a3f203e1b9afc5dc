/**
 * The SQLite store under its former module path, from which the server interface loads the
 * default store; the store itself lives in `sqlite/`.
 */
export * from './sqlite/index.js';
