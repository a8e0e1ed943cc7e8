/** When a run publishes (lib/notify/decide.ts), and the short failure notice (lib/notify/failure.ts). */
import { describe, expect, it } from 'vitest';
import { decideNotify, severityOf, type RunFacts } from '../../lib/notify/decide.ts';
import { buildFailureNotice, failureReason } from '../../lib/notify/failure.ts';
import { CHAT_DESCRIPTION_MAX } from '../../lib/notify/sns.ts';

const quiet: RunFacts = { nothingCompared: false, discrepancies: 4, new: 0, resolved: 0, newFeedWarnings: 0, money: { USD: '120.00' } };

describe('decideNotify', () => {
  it.each([
    ['changes', {}, false],
    ['changes', { new: 1 }, true],
    ['changes', { resolved: 2 }, true],
    ['changes', { newFeedWarnings: 1 }, true],
    ['changes', { nothingCompared: true }, true],
    ['always', {}, true],
    ['threshold', { new: 2 }, false],
    ['threshold', { new: 3 }, true],
    ['threshold', { money: { USD: '99.99', EUR: '100' } }, true],
    ['threshold', { money: { USD: '99.99' } }, false],
    ['threshold', { nothingCompared: true }, true],
  ] as const)('%s with %j publishes: %s', (mode, facts, expected) => {
    const rule = mode === 'threshold' ? { mode, minNew: 3, minMoneyAtRisk: '100' } : { mode };
    expect(decideNotify({ ...quiet, money: {}, ...facts } as RunFacts, rule).publish).toBe(expected);
  });

  it('defaults to changes', () => {
    expect(decideNotify(quiet).publish).toBe(false);
    expect(decideNotify({ ...quiet, new: 1 }).publish).toBe(true);
  });

  it('grades the severity a filter policy can match', () => {
    expect(severityOf({ ...quiet, discrepancies: 0 })).toBe('info');
    expect(severityOf(quiet)).toBe('notice');
    expect(severityOf({ ...quiet, new: 1 })).toBe('warning');
    expect(severityOf({ ...quiet, nothingCompared: true })).toBe('warning');
  });
});

describe('the failure notice', () => {
  const trace = Array.from({ length: 150 }, (_, i) => `    at frame${i} (file:///var/task/summarize.mjs:${i}:9)`);
  // What Lambda puts in a task's Cause: the error as JSON, with its stack trace.
  const lambdaCause = JSON.stringify({ errorType: 'ReconError', errorMessage: 'cannot read s3://bucket/runs/financial/x/scope.json: Access Denied', trace: ['ReconError: cannot read', ...trace] });

  it('keeps the reason to one line of at most 300 characters', () => {
    expect(lambdaCause.length).toBeGreaterThan(8_000);
    expect(failureReason(lambdaCause)).toBe('cannot read s3://bucket/runs/financial/x/scope.json: Access Denied');
    expect(failureReason(`first line\n${trace.join('\n')}`)).toBe('first line');
    expect(failureReason('x'.repeat(5000))).toHaveLength(300);
    expect(failureReason('{"cut at 32 KB')).toBe('{"cut at 32 KB');
    expect(failureReason(undefined)).toBe('no reason given');
  });

  it('names what failed, the run and the execution page, within Slack and SNS bounds', () => {
    const n = buildFailureNotice({ failure: { boundary: 'financial', state: 'Summarize', execution: 'financial-20261126T0600', executionId: 'arn:aws:states:eu-west-1:123456789012:execution:Recon:financial-20261126T0600', error: { Error: 'ReconError', Cause: lambdaCause } } });
    expect(n.subject).toBe('oms-recon: financial run failed');
    expect(n.message.email).toBe([
      'The oms-recon financial run financial-20261126T0600 failed.',
      '',
      'Failed: Summarize',
      'Error: ReconError',
      'Reason: cannot read s3://bucket/runs/financial/x/scope.json: Access Denied',
      '',
      'Execution (its events and each step\'s logs): https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn%3Aaws%3Astates%3Aeu-west-1%3A123456789012%3Aexecution%3ARecon%3Afinancial-20261126T0600',
      'Re-run the boundary once the cause is fixed (start a new execution with {"boundary": "financial"}).',
      '',
    ].join('\n'));
    const chat = JSON.parse(n.message.https);
    expect(chat.content.description.length).toBeLessThanOrEqual(CHAT_DESCRIPTION_MAX);
    expect(chat.content.description).toBe('Run `financial-20261126T0600` failed in *Summarize* with `ReconError`: cannot read s3://bucket/runs/financial/x/scope.json: Access Denied');
    expect(JSON.stringify(n).length).toBeLessThan(3000);
    expect(n.attributes).toEqual({ event: 'failure', boundary: 'financial', severity: 'error' });
  });
});
