#!/usr/bin/env node
// The kubectl plugin: `kubectl sealkit seal ...` runs this (kubectl finds kubectl-* on PATH).
// CommonJS, like bin/sealkit.js.
require('../dist/launch.cjs').launch('kubectl sealkit');
