/**
 * The bare PGlite baseline of bench/startup.ts, in a process of its own: PGlite's own defaults
 * (fsync off, 128MB shared_buffers) on the directory given, nothing of the server's loaded.
 * Prints `READY <seconds since the process started>`, then stays open until SIGTERM.
 */
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

const client = await PGlite.create({ fs: new NodeFS(process.argv[2]!) });
await client.query('select 1');
process.stdout.write(`READY ${process.uptime()}\n`);
process.once('SIGTERM', () => void client.close().then(() => process.exit(0)));
setInterval(() => {}, 1 << 30);
