/**
 * The apply journal's record: one line of `.globe/journal/<planId>.jsonl`, or the `record` column
 * of a row of the PostgreSQL journal table (executor/journal.ts writes and replays them).
 * Declared once below: the declaration is the JSON Schema (`npm run schemas` writes it to
 * `schemas/journal.schema.json`) and `Static` its type.
 */
import { Type, type Static } from 'typebox';
import { Closed, Const, DRAFT_07, NullableString, OneOf, Ref, schemaId } from '../lang/json-schema.js';

const At = Type.String({ format: 'date-time', description: 'When the record was written (ISO 8601, UTC).' });
const at = Ref(At, '#/definitions/at');
const moveId = Type.String({ minLength: 1, description: "The move's id in the plan." });

export const MoveStatus = Type.Enum(['WAITING', 'READY', 'RUNNING', 'COMPLETE', 'FAILED'], {
  description:
    'RUNNING: written before the backend is called. COMPLETE: written once the backend was read back at the move\'s target. FAILED: not executed (it would break an invariant), or the backend failed.',
});
export type MoveStatus = Static<typeof MoveStatus>;

export const GatePhase = Type.Enum(['pre', 'post']);
export type GatePhase = Static<typeof GatePhase>;

const Start = Closed(
  {
    type: Const('start'),
    at,
    planId: Type.String({ minLength: 1, description: "The plan's identity (a digest of its document): the journal's name." }),
    moves: Type.Integer({ minimum: 0, description: 'How many moves the plan has.' }),
    lineage: NullableString({ description: "The state's lineage when the apply started; null when nothing was deployed." }),
    serial: Type.Integer({ minimum: 0, description: "The state's serial when the apply started." }),
    planDigest: Type.Optional(
      Type.String({ pattern: '^sha256:[0-9a-f]{64}$', description: 'The full digest of the plan document (solver wall time left out): a resume refuses a plan with other content.' }),
    ),
  },
  { description: 'The first apply of a plan began.' },
);

const Move = Closed(
  {
    type: Const('move'),
    at,
    move: moveId,
    status: MoveStatus,
    serial: Type.Optional(Type.Integer({ minimum: 0, description: "With COMPLETE: the state's serial read back after the move." })),
    reason: Type.Optional(Type.String({ description: 'Why the move FAILED, or how a RUNNING one was found COMPLETE on resume.' })),
    stderr: Type.Optional(Type.String({ description: "The tail (at most 64 KiB) of what the move's own hook wrote to stderr (exec backend)." })),
    /** With RUNNING: the fencing token of the apply attempt that ran it. */
    attempt: Type.Optional(
      Type.Integer({ minimum: 0, description: 'With RUNNING: the fencing token of the apply attempt that ran the move (larger for every later apply of the project).' }),
    ),
  },
  { description: "A move's status changed." },
);

/** An exec hook started for the move, in its own process group; written before the hook gets its move. */
const Hook = Closed(
  {
    type: Const('hook'),
    at,
    move: moveId,
    attempt: Type.Integer({ minimum: 0, description: 'The fencing token the hook was given with its move.' }),
    pgid: Type.Integer({ minimum: 2, description: "The hook's process group." }),
    boot: Type.String({ minLength: 1, description: 'The boot the hook ran in (Linux boot_id): a group of another boot or machine is never signalled.' }),
    started: Type.Integer({ minimum: 0, description: "The group leader's start time (clock ticks after boot; 0 where unknown): a reused group id is never signalled." }),
  },
  {
    description:
      'An exec hook started for a move, in a process group of its own; written (and made durable) before the hook is given its move, so that a later apply can stop it if globe died while it ran.',
  },
);

/**
 * A wave of a multi-wave plan (or the one wave of any plan) began, or reached its boundary:
 * every move complete, the invariant held and the state read back was the wave's target.
 */
const Wave = Closed(
  {
    type: Const('wave'),
    at,
    wave: Type.Integer({ minimum: 1, description: "The wave's number in the plan (1-based)." }),
    status: Type.Enum(['started', 'complete']),
    serial: Type.Optional(Type.Integer({ minimum: 0, description: "With complete: the state's serial read back at the boundary." })),
  },
  {
    description:
      'A wave began (started), or reached its boundary (complete): every move of the wave COMPLETE, the invariant held on the state read back, and that state was the wave\'s target. A one-wave plan has one wave, numbered 1. Moves of a wave start only once the wave before it is complete.',
  },
);

/** A validation gate of the backend ran before (pre) or after (post) a wave's traffic moves. */
const Gate = Closed(
  {
    type: Const('gate'),
    at,
    wave: Type.Integer({ minimum: 1 }),
    phase: GatePhase,
    status: Type.Enum(['passed', 'failed']),
    reason: Type.Optional(Type.String({ description: 'Why the gate failed.' })),
    stderr: Type.Optional(Type.String({ description: 'The tail (at most 64 KiB) of what the validate command wrote.' })),
  },
  {
    description:
      "The backend's validate command ran before (pre) or after (post) a wave's traffic moves (route, shift). A failed gate stops the apply; the next apply runs it again.",
  },
);

const End = Closed(
  {
    type: Const('end'),
    at,
    outcome: Type.Enum(['complete', 'failed', 'interrupted']),
  },
  { description: 'An apply of the plan ended (a later apply of the same plan resumes it unless it was complete).' },
);

export const JournalRecord = OneOf(
  [
    Ref(Start, '#/definitions/start'),
    Ref(Move, '#/definitions/move'),
    Ref(Hook, '#/definitions/hook'),
    Ref(Wave, '#/definitions/wave'),
    Ref(Gate, '#/definitions/gate'),
    Ref(End, '#/definitions/end'),
  ],
  {
    $schema: DRAFT_07,
    $id: schemaId('journal.schema.json'),
    title: 'globe apply journal record',
    description:
      "One record of an apply journal: one line of .globe/journal/<planId>.jsonl, or the `record` column of a row of the PostgreSQL journal table. Records are appended, and made durable, in order. A move's status is that of its latest `move` record; a move of the plan without one is WAITING.",
    definitions: { at: At, start: Start, move: Move, hook: Hook, wave: Wave, gate: Gate, end: End },
  },
);
export type JournalRecord = Static<typeof JournalRecord>;
