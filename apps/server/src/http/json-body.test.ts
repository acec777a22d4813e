import { describe, expect, it } from 'vitest';
import { limitBytes } from './json-body.js';

describe('limitBytes', () => {
  it('reads numbers and express size strings', () => {
    expect(limitBytes(1000)).toBe(1000);
    expect(limitBytes('1mb')).toBe(1048576);
    expect(limitBytes('512KB')).toBe(524288);
    expect(limitBytes('1.5kb')).toBe(1536);
    expect(limitBytes('20')).toBe(20);
  });

  it('refuses a size it cannot read, naming the option', () => {
    expect(() => limitBytes('lots')).toThrow('bodyLimit "lots" is not a size (e.g. 1mb, 512kb, 1048576)');
  });
});
