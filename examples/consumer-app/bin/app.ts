#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { GreetingStack } from '../src/stack';

const app = new App();
new GreetingStack(app, 'GreetingApp');
app.synth();
