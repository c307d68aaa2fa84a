// Moved to schemas/state.ts (the documents stages share); this re-export goes once every import is rewritten.
export * from '../schemas/state.js';
