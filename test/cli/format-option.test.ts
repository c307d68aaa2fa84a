import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../cli/format-option.js';
import { CliError } from '../../cli/output.js';
import { PLAN_FORMATS } from '../../cli/render/render-plan.js';
import { SIMULATE_FORMATS } from '../../cli/render/simulate-document.js';
import { globe } from '../support/cli.js';

describe('parseFormat', () => {
  it('reads --format, text by default, and --json as --format json', () => {
    expect(parseFormat({}, PLAN_FORMATS)).toBe('text');
    expect(parseFormat({ format: 'html' }, PLAN_FORMATS)).toBe('html');
    expect(parseFormat({ format: 'text', json: true }, SIMULATE_FORMATS)).toBe('json');
  });

  it('refuses a format the command does not render, naming every one it does', () => {
    expect(() => parseFormat({ format: 'html' }, SIMULATE_FORMATS)).toThrow(new CliError('--format must be text, markdown or json, not html', 1, 'bad-format'));
    expect(() => parseFormat({ format: 'yaml' }, PLAN_FORMATS)).toThrow('--format must be text, markdown, json or html, not yaml');
  });
});

describe('every command with --format says the same about a bad value, before doing anything', () => {
  it.each([
    [['plan', 'examples/quickstart', '--lock', 'false'], 'text, markdown, json or html'],
    [['show', 'no-such-plan.json'], 'text, markdown, json or html'],
    [['simulate', 'examples/quickstart', '--fail', 'all', '--planned'], 'text, markdown or json'],
  ])('globe %j --format yaml', (args, formats) => {
    const r = globe([...args, '--format', 'yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`globe: --format must be ${formats}, not yaml\n`);
  });
});
