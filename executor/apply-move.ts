// Moved to schemas/apply-move.ts (the documents stages share); this re-export goes once every import is rewritten.
export * from '../schemas/apply-move.js';
