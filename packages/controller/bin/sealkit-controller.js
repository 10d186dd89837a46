#!/usr/bin/env node
// Thin shim: all behaviour lives in the built code, so the shim never needs rebuilding.
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
