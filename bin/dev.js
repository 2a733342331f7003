#!/usr/bin/env node
// Runs the CLI straight from the TypeScript sources (no build): tsx transpiles, oclif reads ./commands.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import { execute, settings } from '@oclif/core';

register();
settings.enableAutoTranspile = false;
const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
pjson.oclif.commands = './commands';
pjson.oclif.helpClass = './src/cli/help.ts';
await execute({ development: true, dir: import.meta.url, loadOptions: { root, pjson } });
