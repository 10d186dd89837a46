#!/usr/bin/env node
// A byte relay for test/infra/netns-endpoint: accepts connections on one address and forwards each
// one, both directions, to another. Addresses are `tcp:HOST:PORT` or `unix:PATH`. Plain Node, no deps.
//
//   node relay.mjs --listen tcp:10.213.7.2:8080 --to unix:/tmp/x/relay.sock --ready FILE [--owner PID]
//   node relay.mjs --listen unix:/tmp/x/relay.sock --to tcp:127.0.0.1:34567 --ready FILE [--owner PID]
//
// --ready FILE: written ("PID PORT\n", PORT 0 for a Unix socket) once listening, so the caller knows
//               the relay is up and which pid to stop.
// --owner PID:  exit when that process is gone (a test run that died without `netns-endpoint down`
//               leaves no relay forwarding behind).
// An upstream that refuses, fails, or closes without sending a byte resets the accepted TCP connection
// (a Unix one is closed), so the peer sees a refused connection, not an empty answer: that is how a
// refused dial at the far end of the Unix hop shows up at the TCP end.
import { rmSync, writeFileSync, renameSync } from 'node:fs';
import net from 'node:net';

function fail(msg) {
  process.stderr.write(`relay: error: ${msg}\n`);
  process.exit(2);
}

const opts = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i];
  const v = argv[i + 1];
  if (!['--listen', '--to', '--ready', '--owner'].includes(k) || v === undefined) fail(`usage: relay.mjs --listen ADDR --to ADDR [--ready FILE] [--owner PID] (at '${k}')`);
  opts[k.slice(2)] = v;
}
if (!opts.listen || !opts.to) fail('--listen and --to are required');

function parseAddr(s) {
  if (s.startsWith('unix:')) return { path: s.slice(5) };
  const m = /^tcp:(.+):(\d+)$/.exec(s);
  if (!m) fail(`address '${s}': expected tcp:HOST:PORT or unix:PATH`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}
const listen = parseAddr(opts.listen);
const to = parseAddr(opts.to);

/** Ends `s` abruptly: RST for TCP, a plain close for a Unix socket. */
function abort(s) {
  if (s.destroyed) return;
  try {
    if (s.remoteAddress !== undefined) return void s.resetAndDestroy();
  } catch {
    // not a TCP socket after all
  }
  s.destroy();
}

const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
  const upstream = net.connect({ ...to, allowHalfOpen: true });
  let answered = false;
  upstream.once('connect', () => {
    client.pipe(upstream); // the client's FIN is passed on
    upstream.pipe(client, { end: false }); // the upstream's is passed on below
    upstream.once('data', () => (answered = true));
    client.resume();
  });
  upstream.on('end', () => (answered ? client.end() : abort(client)));
  // An upstream that failed or went away before ending takes the client with it, and vice versa.
  upstream.on('close', () => {
    if (!client.writableEnded) abort(client);
  });
  upstream.on('error', () => abort(client));
  client.on('error', () => abort(upstream));
  client.on('close', () => upstream.destroy());
});
server.on('error', (e) => fail(`listen ${opts.listen}: ${e.message}`));

if (listen.path) rmSync(listen.path, { force: true });
server.listen(listen.path ? { path: listen.path } : { host: listen.host, port: listen.port }, () => {
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  if (opts.ready) {
    writeFileSync(`${opts.ready}.tmp`, `${process.pid} ${port}\n`);
    renameSync(`${opts.ready}.tmp`, opts.ready);
  }
});

function stop() {
  server.close();
  if (listen.path) rmSync(listen.path, { force: true });
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

if (opts.owner) {
  const owner = Number(opts.owner);
  setInterval(() => {
    try {
      process.kill(owner, 0);
    } catch {
      stop();
    }
  }, 1000).unref();
}
