// A fresh test database for int tests that call the console's route handlers, which build
// their context from the environment: DATABASE_URL points at it and NEXTAUTH_SECRET is
// set. With a Prisma client and a raw pg client on it (for what the tests read by SQL).
// A start that fails half way undoes what it did; `close()` undoes all of it.
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createTestDatabase, type TestDatabase } from './database';

export interface RouteTestDatabase {
  database: TestDatabase;
  db: Db;
  sql: pg.Client;
  close(): Promise<void>;
}

export async function openRouteTestDatabase(label: string, poolSize = 4): Promise<RouteTestDatabase> {
  const database = await createTestDatabase(label);
  let db: Db | undefined;
  let sql: pg.Client | undefined;
  const close = async () => {
    await sql?.end();
    await db?.$disconnect();
    await database.drop();
  };
  try {
    db = createDb(database.url, { poolSize });
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  process.env.DATABASE_URL = database.url;
  process.env.NEXTAUTH_SECRET = 'x'.repeat(40);
  return { database, db, sql, close };
}
