// A step that does nothing but succeed (benchmarks and smoke tests).
console.log(`${process.env.MF_STEP_NAME ?? 'step'} ${process.env.MF_TASK_ID ?? ''} ok`);
