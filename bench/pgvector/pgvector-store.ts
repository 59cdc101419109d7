/**
 * The benchmark's PostgreSQL + pgvector side: one table of its own in a schema of its own
 * (dropped at the end), filled with the gallery, an HNSW index built over it with inner product,
 * and k-NN searches through prepared statements on a fixed set of connections.
 */
import { Client } from 'pg';
import type { FaceSet } from '../data/face-embedding-model';

/** pgvector's text form of a vector, '[x,y,...]'. Each float32 printed as its exact double: the server reads back the same float4. */
export function vectorLiteral(vector: Float32Array): string {
  return `[${vector.join(',')}]`;
}

/** The extension is missing: what to do about it, in the error. */
export class PgvectorMissingError extends Error {}

export interface IndexBuild {
  seconds: number;
  indexBytes: number;
  tableBytes: number;
  /** Server settings that shape the build, as the building session saw them. */
  settings: Record<string, string>;
}

export class PgvectorStore {
  private readonly table: string;
  private readonly index: string;
  /** Search connections, each with the statement prepared on first use; idle ones wait here. */
  private readonly idle: Client[] = [];
  private readonly all: Client[] = [];

  private constructor(
    private readonly admin: Client,
    private readonly url: string,
    readonly schema: string,
    readonly extensionVersion: string,
    readonly serverVersion: string,
    /** The admin connection's backend, cancelled before the schema is dropped. */
    private readonly adminPid: number,
  ) {
    this.table = `${schema}.faces`;
    this.index = `${schema}.faces_embedding_hnsw`;
  }

  /** Connects, makes sure the vector extension exists, creates the schema (which must not exist yet). */
  static async open(url: string, schema: string): Promise<PgvectorStore> {
    const admin = new Client({ connectionString: url, application_name: 'faceshard bench:pgvector' });
    await admin.connect();
    try {
      try {
        await admin.query('CREATE EXTENSION IF NOT EXISTS vector');
      } catch (err) {
        throw new PgvectorMissingError(
          `CREATE EXTENSION vector failed (${(err as Error).message}): install pgvector for this server ` +
            '(Debian: postgresql-<major>-pgvector, or make && make install of its source with postgresql-server-dev-<major>; see bench/pgvector/README.md)',
        );
      }
      const ext = await admin.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
      const server = await admin.query<{ server_version: string }>('SHOW server_version');
      const pid = await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query(`CREATE SCHEMA ${schema}`);
      return new PgvectorStore(admin, url, schema, ext.rows[0]!.extversion, server.rows[0]!.server_version, pid.rows[0]!.pid);
    } catch (err) {
      await admin.end();
      throw err;
    }
  }

  /** The gallery, row i = identity identityOf[i], `batch` rows per INSERT. */
  async load(gallery: FaceSet, dimension: number, batch = 1000): Promise<number> {
    const start = process.hrtime.bigint();
    await this.admin.query(`CREATE TABLE ${this.table} (id integer PRIMARY KEY, embedding vector(${dimension}) NOT NULL)`);
    for (let from = 0; from < gallery.count; from += batch) {
      const to = Math.min(gallery.count, from + batch);
      const values: (number | string)[] = [];
      const rows: string[] = [];
      for (let row = from; row < to; row++) {
        rows.push(`($${values.length + 1}, $${values.length + 2})`);
        values.push(gallery.identity[row]!, vectorLiteral(gallery.vectors.subarray(row * dimension, (row + 1) * dimension)));
      }
      await this.admin.query(`INSERT INTO ${this.table} (id, embedding) VALUES ${rows.join(', ')}`, values);
    }
    await this.admin.query(`ANALYZE ${this.table}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  }

  /** HNSW over the loaded table, inner product (`<#>`, vector_ip_ops), built in one CREATE INDEX. */
  async buildIndex(m: number, efConstruction: number, maintenanceWorkMem: string): Promise<IndexBuild> {
    await this.admin.query(`SET maintenance_work_mem = '${maintenanceWorkMem}'`);
    const settings: Record<string, string> = {};
    for (const name of ['maintenance_work_mem', 'max_parallel_maintenance_workers', 'shared_buffers', 'work_mem']) {
      settings[name] = (await this.admin.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name]!;
    }
    const start = process.hrtime.bigint();
    await this.admin.query(`CREATE INDEX faces_embedding_hnsw ON ${this.table} USING hnsw (embedding vector_ip_ops) WITH (m = ${Math.trunc(m)}, ef_construction = ${Math.trunc(efConstruction)})`);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const sizes = await this.admin.query<{ index: string; table: string }>(`SELECT pg_relation_size('${this.index}') AS index, pg_table_size('${this.table}') AS table`);
    return { seconds, indexBytes: Number(sizes.rows[0]!.index), tableBytes: Number(sizes.rows[0]!.table), settings };
  }

  /**
   * The planner's choice for the search statement; throws unless it is a scan of the HNSW index
   * (a sequential scan would be exact search and make the comparison meaningless).
   */
  async assertIndexScan(dimension: number, k: number): Promise<string> {
    const probe = vectorLiteral(new Float32Array(dimension).fill(1 / Math.sqrt(dimension)));
    const plan = await this.admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${this.searchSql(`'${probe}'`, String(Math.trunc(k)))}`);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    if (!/Index Scan using faces_embedding_hnsw/.test(text)) throw new Error(`the search does not use the HNSW index:\n${text}`);
    return text.replace(probe, '[…]');
  }

  /** Opens `n` search connections (on top of any already open); each prepares the statement on its first search. */
  async openSearchConnections(n: number): Promise<void> {
    while (this.all.length < n) {
      const client = new Client({ connectionString: this.url, application_name: 'faceshard bench:pgvector search' });
      await client.connect();
      this.all.push(client);
      this.idle.push(client);
    }
  }

  /** SET hnsw.ef_search on every search connection (a session setting: each connection needs it). */
  async setEfSearch(ef: number): Promise<void> {
    await Promise.all(this.all.map((c) => c.query(`SET hnsw.ef_search = ${Math.trunc(ef)}`)));
  }

  /**
   * The k nearest identities of `vector` by inner product, best first, on an idle connection
   * (callers keep at most as many searches in flight as connections are open).
   */
  async search(vector: Float32Array, k: number): Promise<number[]> {
    const client = this.idle.pop();
    if (!client) throw new Error('more searches in flight than search connections');
    try {
      // k is part of the statement (one per k): with LIMIT $2 a generic plan would be costed for an
      // unknown, possibly large limit and could fall back to a sequential scan.
      const res = await client.query<[number]>({ name: `knn_${Math.trunc(k)}`, text: this.searchSql('$1', String(Math.trunc(k))), values: [vectorLiteral(vector)], rowMode: 'array' });
      return res.rows.map((r) => r[0]);
    } finally {
      this.idle.push(client);
    }
  }

  /**
   * Drops the schema (table and index) and closes every connection. From a fresh connection, after
   * cancelling whatever the admin connection is running: on Ctrl-C during CREATE INDEX the drop
   * would otherwise queue behind the build, and the process may be gone before it runs.
   */
  async dropAndClose(): Promise<void> {
    const cleaner = new Client({ connectionString: this.url, application_name: 'faceshard bench:pgvector cleanup' });
    try {
      await cleaner.connect();
      await cleaner.query('SELECT pg_cancel_backend($1)', [this.adminPid]);
      await cleaner.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    } finally {
      await Promise.allSettled([cleaner.end(), this.admin.end(), ...this.all.map((c) => c.end())]);
      this.all.length = 0;
      this.idle.length = 0;
    }
  }

  private searchSql(vector: string, k: string): string {
    // <#> is the negative inner product: ascending order = most similar first.
    return `SELECT id FROM ${this.table} ORDER BY embedding <#> ${vector}::vector LIMIT ${k}`;
  }
}
