/** Sample feeds with an answer key (see docs/feeds.md, "Sample feeds"). */
export { generateSample, writeSample } from './generate.ts';
export type { SampleFile, SampleOptions, SampleSet } from './generate.ts';
export { verifyAgainstAnswerKey, verifyRejections } from './answer-key.ts';
export type { AnswerKey, BoundaryAnswer, ExpectedDiscrepancy, ExpectedRejection, Found, ReportLike } from './answer-key.ts';
