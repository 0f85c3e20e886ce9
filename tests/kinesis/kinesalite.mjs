// Starts kinesalite (the npm package, in memory) for the Kinesis backend's tests, bound to
// 127.0.0.1 only, on a free port; prints "kinesalite http://127.0.0.1:<port> pid <pid>" once
// it listens. Stop it by its PID (scripts/test.sh does). Streams leave CREATING, UPDATING and
// DELETING after 300 ms, so the tests see those states and do not wait long for them.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const kinesalite = require('kinesalite');
const ms = Number(process.env.KINESALITE_STATE_MS ?? 300);
const server = kinesalite({ createStreamMs: ms, deleteStreamMs: ms, updateStreamMs: ms, shardLimit: 50 });
server.listen(Number(process.env.KINESALITE_PORT ?? 0), '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`kinesalite http://${address}:${port} pid ${process.pid}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
