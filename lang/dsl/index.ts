export { parseGlobe, parseSyntax } from './parse-globe.js';
export { formatGlobe } from './format.js';
export { emitGlobe } from './emit.js';
