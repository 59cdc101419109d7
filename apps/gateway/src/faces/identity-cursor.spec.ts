import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './identity-pages.service';

describe('identity listing cursors', () => {
  it('a cursor given out decodes to the identity id it was made from', () => {
    for (const id of ['aaron', 'A-1_b.c:d', 'x'.repeat(128)]) expect(decodeCursor(encodeCursor(id))).toBe(id);
  });

  it('refuses a mistyped cursor that base64url would decode to some other string', () => {
    // "garbage" decodes to bytes that are no identity id; taken as one it sorted after every id and ended the listing.
    for (const cursor of ['garbage', 'YWFyb24=', 'YWFyb2', '', 'a b', 'Li4']) {
      expect(() => decodeCursor(cursor), cursor).toThrow(/cursor is not one this server gave out/);
    }
  });
});
