// One step of GreetingFlow: prints who it greets, as a real step would log its work.
const step = process.argv[2];
const who = process.env.MF_PARAM_WHO ?? 'nobody';
if (step === 'end') console.log(`Hello, ${who}! (run ${process.env.MF_RUN_ID}, task ${process.env.MF_TASK_ID})`);
else console.log(`${step}: greeting ${who}`);
