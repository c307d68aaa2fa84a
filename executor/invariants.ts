// Moved to schemas/invariants.ts (the documents stages share); this re-export goes once every import is rewritten.
export * from '../schemas/invariants.js';
