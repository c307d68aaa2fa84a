// Moved to schemas/intent-digests.ts (the documents stages share); this re-export goes once every import is rewritten.
export * from '../schemas/intent-digests.js';
