export { loadYaml } from './load.js';
export { emitYaml } from './emit.js';
