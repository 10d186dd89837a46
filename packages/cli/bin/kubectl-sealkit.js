#!/usr/bin/env node
// The kubectl plugin: `kubectl sealkit seal ...` runs this (kubectl finds kubectl-* on PATH).
import { launch } from '../dist/launch.js';

await launch('kubectl sealkit');
