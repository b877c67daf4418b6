import { Command } from 'commander';
import { repeatable, withAwsOptions } from '../../../../lib/cli/output/options';

describe('withAwsOptions', () => {
  test('adds --region, --profile and --json to one command only', () => {
    const program = new Command('p').exitOverride();
    let seen: Record<string, unknown> = {};
    withAwsOptions(program.command('x')).action((options) => {
      seen = options;
    });
    program.command('y');
    program.parse(['x', '--region', 'eu-west-1', '--profile', 'ops', '--json'], { from: 'user' });
    expect(seen).toEqual({ region: 'eu-west-1', profile: 'ops', json: true });
    expect(program.commands.find((c) => c.name() === 'y')?.options).toEqual([]);
  });

  test('repeatable collects values in order', () => {
    expect(repeatable('b', repeatable('a', undefined))).toEqual(['a', 'b']);
  });
});
