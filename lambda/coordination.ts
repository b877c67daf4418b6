/**
 * The one bundle of the coordination Lambdas: each function of a flow is this bundle with its own handler, so a synth
 * bundles once however many flows and functions it has.
 */
export { handler as fanout } from './foreach-fanout';
export { handler as recordCatch } from './catch-recorder';
