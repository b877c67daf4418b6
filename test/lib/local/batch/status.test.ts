import {
  ABORT_STATUS_REASON,
  BatchJobFailed,
  EXIT_STATUS_REASON,
  outcomeOf,
  SPOT_STATUS_REASON,
  TIMEOUT_STATUS_REASON,
} from '../../../../lib/local/batch/status';

describe('attempt outcomes as Batch reports them', () => {
  const base = { timedOut: false, killed: false };

  test('an exit code is the container exit code; a signal is 128 + its number', () => {
    expect(outcomeOf({ ...base, exitCode: 0 }, false, 'l')).toEqual({ ok: true, statusReason: EXIT_STATUS_REASON, exitCode: 0, logFile: 'l' });
    expect(outcomeOf({ ...base, exitCode: 2 }, false, 'l')).toMatchObject({ ok: false, exitCode: 2 });
    expect(outcomeOf({ ...base, signal: 'SIGKILL' }, false, 'l')).toMatchObject({ ok: false, exitCode: 137 });
  });

  test('the spot marker wins over the exit code, and is retryable; timeouts and aborted runs are final', () => {
    expect(outcomeOf({ ...base, exitCode: 0 }, true, 'l')).toEqual({ ok: false, statusReason: SPOT_STATUS_REASON, logFile: 'l' });
    expect(outcomeOf({ ...base, timedOut: true, signal: 'SIGTERM' }, false, 'l')).toMatchObject({ ok: false, final: true, statusReason: TIMEOUT_STATUS_REASON });
    expect(outcomeOf({ ...base, killed: true }, true, 'l')).toMatchObject({ final: true, statusReason: ABORT_STATUS_REASON });
    expect(outcomeOf({ ...base, spawnError: 'spawn x ENOENT' }, false, 'l').statusReason).toBe('CannotStartContainerError: spawn x ENOENT');
  });

  test('a failed job is a States.TaskFailed error whose message is the job JSON', () => {
    const error = new BatchJobFailed({ JobId: 'j', Status: 'FAILED' } as never);
    expect(error.name).toBe('States.TaskFailed');
    expect(JSON.parse(error.message)).toEqual({ JobId: 'j', Status: 'FAILED' });
  });
});
