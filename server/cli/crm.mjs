#!/usr/bin/env node
// @ts-check
/**
 * The `crm` command (package.json's bin): server/cli/crm.ts run from the server's bundle, built
 * again when a source changed (server/launch.mjs). Loading the bundle instead of some 450 modules
 * one by one saves about a CPU second and a few hundred MB at each run.
 */
import { launch } from '../launch.mjs';

await launch('crm');
