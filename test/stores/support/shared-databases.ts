/** The machine's shared PostgreSQL and MariaDB servers (database `test`), for tests that leave tables behind. */
import mysql from 'mysql2/promise';
import pg from 'pg';

/** The shared PostgreSQL database. */
export const SHARED_POSTGRES_URL = process.env.SESSIONKIT_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The shared MariaDB database. */
export const SHARED_MYSQL_URL = process.env.SESSIONKIT_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Drops `table` (a plain identifier) from the shared database of `dialect`, if it exists. */
export async function dropTable(dialect: 'postgres' | 'mysql', table: string): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new Error(`not a plain table name: ${table}`);
  if (dialect === 'postgres') {
    const client = new pg.Client({ connectionString: SHARED_POSTGRES_URL });
    await client.connect();
    try {
      await client.query(`drop table if exists "${table}"`);
    } finally {
      await client.end();
    }
    return;
  }
  const connection = await mysql.createConnection({ uri: SHARED_MYSQL_URL });
  try {
    await connection.query(`drop table if exists \`${table}\``);
  } finally {
    await connection.end();
  }
}
