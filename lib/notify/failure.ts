/**
 * The failure notice of a run (issue 11): what failed (the state, the error's name, a
 * one-line reason of at most FAILURE_REASON_MAX characters), the run (boundary, execution
 * name) and where to look (the execution in the Step Functions console) — never the raw
 * `Cause`, which for a Lambda error holds its whole stack trace (several KB, past Slack's
 * 3,000-character block). Built by the summarize function in its failure mode (the state
 * machine's DescribeFailure state); pure.
 */
import type { BoundaryName } from '../feeds/catalog.ts';
import { clip, oneLine } from '../report/text.ts';
import type { NotifyAttributes } from './decide.ts';
import { CHAT_DESCRIPTION_MAX, CHAT_TITLE_MAX, fitSubject, type ChatbotNotification } from './sns.ts';

export const FAILURE_REASON_MAX = 300;

/** What the DescribeFailure state passes (the Catch's `$.error` and the execution's context). */
export interface FailureInput {
  failure: {
    boundary: BoundaryName | string;
    /** The state whose error was caught (Plan, CompareShards, Summarize, PublishSummary). */
    state?: string;
    execution: string;
    executionId?: string;
    error?: { Error?: string; Cause?: string };
  };
}

export interface FailureNotice {
  subject: string;
  /** Per protocol; the state machine publishes it with MessageStructure json. */
  message: { default: string; email: string; https: string };
  attributes: Pick<NotifyAttributes, 'event' | 'boundary' | 'severity'>;
}

export function isFailureInput(input: unknown): input is FailureInput {
  return typeof input === 'object' && input !== null && Object.hasOwn(input, 'failure');
}

/**
 * The reason in one line: a Lambda error's Cause is JSON (`errorType`, `errorMessage`,
 * `trace`/`stackTrace`): its message; any other Cause: its first line.
 */
export function failureReason(cause: unknown, max = FAILURE_REASON_MAX): string {
  if (typeof cause !== 'string' || cause.trim() === '') return 'no reason given';
  let text = cause;
  const t = cause.trimStart();
  if (t.startsWith('{')) {
    try {
      const parsed = JSON.parse(t) as Record<string, unknown>;
      const m = parsed.errorMessage ?? parsed.message ?? parsed.Message;
      if (typeof m === 'string' && m.trim()) text = m;
    } catch {
      // Not JSON after all (a Cause cut by Step Functions at 32 KB): its first line.
    }
  }
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? text;
  return oneLine(first, max) || 'no reason given';
}

/** The Step Functions console page of an execution (its region read from the ARN). */
export function executionConsoleUrl(executionArn: string | undefined): string | undefined {
  const m = executionArn ? /^arn:(aws[a-z-]*):states:([a-z0-9-]+):\d{12}:execution:[^\s]+$/.exec(executionArn) : null;
  if (!m) return undefined;
  const host = m[1] === 'aws-cn' ? `${m[2]}.console.amazonaws.cn` : m[1] === 'aws-us-gov' ? `${m[2]}.console.amazonaws-us-gov.com` : `${m[2]}.console.aws.amazon.com`;
  return `https://${host}/states/home?region=${m[2]}#/v2/executions/details/${encodeURIComponent(executionArn!)}`;
}

export function buildFailureNotice(input: FailureInput, label = 'oms-recon'): FailureNotice {
  const f = input.failure;
  const boundary = oneLine(String(f.boundary ?? 'unknown'), 40) || 'unknown';
  const execution = oneLine(String(f.execution ?? ''), 80);
  const state = oneLine(String(f.state ?? 'a state'), 40);
  const error = oneLine(String(f.error?.Error ?? 'Error'), 80);
  const reason = failureReason(f.error?.Cause);
  const url = executionConsoleUrl(f.executionId);
  const where = url ? `Execution (its events and each step's logs): ${url}` : `Execution: ${oneLine(String(f.executionId ?? execution), 300)}`;
  const subject = fitSubject(`${label}: ${boundary}`, 'run failed');
  const lines = [
    `The ${label} ${boundary} run ${execution} failed.`,
    '',
    `Failed: ${state}`,
    `Error: ${error}`,
    `Reason: ${reason}`,
    '',
    where,
    'Re-run the boundary once the cause is fixed (start a new execution with {"boundary": "' + boundary + '"}).',
  ];
  const text = lines.join('\n') + '\n';
  const chat: ChatbotNotification = {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: clip(`:x: ${label} ${boundary} run failed`, CHAT_TITLE_MAX),
      description: clip(`Run \`${execution.replace(/`/g, "'")}\` failed in *${state}* with \`${error.replace(/`/g, "'")}\`: ${reason.replace(/[<>]/g, ' ')}`, CHAT_DESCRIPTION_MAX),
      nextSteps: [url ? `Open the execution: ${url}` : 'Open the execution in the Step Functions console and check the failed state', 'Re-run the boundary once the cause is fixed'],
    },
    metadata: { eventType: 'ReconRunFailed', summary: subject, additionalContext: { boundary, execution, state, error } },
  };
  return {
    subject,
    message: { default: text, email: text, https: JSON.stringify(chat) },
    attributes: { event: 'failure', boundary, severity: 'error' },
  };
}
