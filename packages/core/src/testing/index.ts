/** Test helpers shared by seqcast's packages. */
export * from './errors.js';
export * from './leaks.js';
