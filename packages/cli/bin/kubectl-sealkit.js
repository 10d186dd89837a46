#!/usr/bin/env node
// The kubectl plugin: `kubectl sealkit seal ...` runs this (kubectl finds kubectl-* on PATH).
import { main } from '../dist/main.js';

main(process.argv.slice(2), undefined, 'kubectl sealkit').then((code) => {
  process.exitCode = code;
});
