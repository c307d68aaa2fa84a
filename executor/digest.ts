// Moved to schemas/digest.ts (the documents stages share); this re-export goes once every import is rewritten.
export * from '../schemas/digest.js';
