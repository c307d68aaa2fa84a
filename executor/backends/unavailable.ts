/**
 * `BackendUnavailable`: the backend cannot be reached at all — nothing answers at the postgres URL, its
 * host does not resolve, the server refuses the login, an exec command does not exist. Its own code
 * (`backend-unavailable`) tells a CI job or a wrapper "retry later or fix the address" apart from a
 * backend that answered and said no (`postgres`, `hook`, `state`).
 */
import { GlobeError } from '../../schemas/diagnostic.js';

export class BackendUnavailable extends GlobeError {
  readonly code = 'backend-unavailable';
}
