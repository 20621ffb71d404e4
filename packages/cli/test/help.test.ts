import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, goodtake } from './helpers/run.ts';

beforeAll(() => buildCli());

const COMMANDS = ['generate', 'account', 'generations', 'models', 'login', 'logout'];

describe('help', () => {
  it('goodtake help lists every command, with examples and exit codes', async () => {
    for (const args of [['help'], ['--help'], ['-h']]) {
      const run = await goodtake(args);
      expect(run.code).toBe(0);
      for (const c of COMMANDS) expect(run.stdout).toContain(`  ${c}`);
      expect(run.stdout).toContain('Examples:');
      expect(run.stdout).toContain('Exit codes: 0 ok, 2 usage error, 3 API error');
    }
  });

  it.each(COMMANDS)('goodtake %s --help and goodtake help %s show examples', async (command) => {
    const flag = await goodtake([command, '--help']);
    expect(flag.code).toBe(0);
    expect(flag.stdout).toMatch(new RegExp(`^Usage: goodtake ${command}`));
    expect(flag.stdout).toMatch(new RegExp(`Examples:\\n  goodtake ${command}`));
    expect((await goodtake(['help', command])).stdout).toBe(flag.stdout);
  });

  it('no command or an unknown one is a usage error', async () => {
    const none = await goodtake([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: goodtake <command>');
    const unknown = await goodtake(['paint']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'paint'");
  });

  it('--version names the CLI and SDK versions', async () => {
    expect((await goodtake(['--version'])).stdout).toBe('goodtake 0.1.0 (@goodtake/sdk 0.1.0)\n');
  });
});
