/** Test helpers shared by seqcast's packages. */
export { errorOf } from './errors.js';
export { leakedTensors } from './leaks.js';
