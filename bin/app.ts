#!/usr/bin/env node
import { buildReferenceApp } from '../lib/stacks/reference-app';

buildReferenceApp().app.synth();
