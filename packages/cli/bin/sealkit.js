#!/usr/bin/env node
// Thin shim: all behaviour lives in the built code, so the shim never needs rebuilding.
import { launch } from '../dist/launch.js';

await launch('sealkit');
