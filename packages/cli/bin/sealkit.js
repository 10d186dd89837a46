#!/usr/bin/env node
// Thin shim: all behaviour lives in the built code, so the shim never needs rebuilding. CommonJS
// (bin/package.json): a CommonJS entry starts without Node's ES module loader.
require('../dist/launch.cjs').launch('sealkit');
