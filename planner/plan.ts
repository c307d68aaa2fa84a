// Moved to schemas/plan.ts (the documents stages share); this re-export goes once every import is rewritten.
export * from '../schemas/plan.js';
