#!/usr/bin/env -S npx tsx
/**
 * The CDK app: `npx cdk deploy --all -c tier=dev|staging|prod`. Everything is built by createStewardApp, which the
 * tests, the synth benchmark and local mode call too.
 */
import { createStewardApp } from '../lib/app.ts';

const { app } = createStewardApp();
app.synth();
