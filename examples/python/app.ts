import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { MetaflowFlow, MetaflowInfrastructure } from '../../index';

const app = new App();
const stack = new Stack(app, 'Ranking');
// zero props: a VPC, an S3 datastore, queues cpu (the default), gpu and fargate, all scaling to zero
const infrastructure = new MetaflowInfrastructure(stack, 'Metaflow');
new MetaflowFlow(stack, 'RankingFlow', {
  infrastructure,
  pythonFlowFile: path.join(__dirname, 'ranking_flow.py'), // read with Python's ast at synth, never run
  image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/metaflow:2.19.38', // your image with Python and Metaflow installed
});
app.synth();
