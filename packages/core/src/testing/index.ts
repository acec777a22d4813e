/** Test helpers shared by seqcast's packages. */
export * from './leaks.js';
