// Entry point of a decrypt worker thread (see opener.ts). Receives the keys and SealedSecrets to
// open; answers with the Secret's data or a typed failure. Never logs: values pass through here.
import { parentPort } from 'node:worker_threads';
import { BitnamiKeyring, type BitnamiPrivateKey } from '@sealkit/core';
import { openSealed } from './opener.js';

let ring = new BitnamiKeyring();

type Message = { type: 'keys'; keys: BitnamiPrivateKey[] } | { type: 'open'; id: number; sealed: object };

parentPort?.on('message', (msg: Message) => {
  if (msg.type === 'keys') {
    ring = new BitnamiKeyring(msg.keys);
    return;
  }
  parentPort!.postMessage({ id: msg.id, result: openSealed(msg.sealed, ring) });
});
