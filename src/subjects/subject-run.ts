import type { SubjectSourceConfig } from '../config/schema.js';
import type { EngineContext } from '../engine/engine-context.js';
import type { OpenPolicyRun } from '../engine/open-policy-run.js';
import type { ProgressRecorder } from '../engine/progress-recorder.js';
import type { SubjectCounts } from '../types.js';
import type { SubjectSource } from './subject-source.js';
import type { SubjectTarget, SubjectTargets } from './subject-targets.js';

/** Test seams; production passes none. */
export interface SubjectRunHooks {
  /** Called with a batch's ids after they were selected as due, before their rows are locked. */
  beforeClaim?: (ids: readonly string[]) => Promise<void>;
  /** Called with the confirmed ids while their rows are locked, before anything is deleted. */
  afterClaim?: (ids: readonly string[]) => Promise<void>;
}

/** A due subject as selected, with the deadline computed from the candidate row. */
export interface DueSubject {
  id: string;
  deadline: Date;
}

/** Everything one policy run of a subject policy shares between its batches. */
export interface SubjectRun {
  ctx: EngineContext;
  run: OpenPolicyRun;
  subjects: SubjectSourceConfig;
  source: SubjectSource;
  targets: SubjectTargets;
  counts: SubjectCounts;
  deadlineOf: (terminatedAt: Date) => Date;
  hooks: SubjectRunHooks;
  /** Ids of the page in hand (and the paging cursor), to keep them out of error messages. */
  inHand: Set<string>;
  batches: number;
  /** Durable progress of each target in this walk (one attempt per walk). */
  progress: (target: SubjectTarget) => ProgressRecorder;
}
