/**
 * Names people read back (shared/domain/text.ts): control, lone-surrogate, bidi-override/isolate and
 * zero-width characters are refused, and the refusal names the character and its position.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { displayText, firstUnsafeCharacter } from '../../shared/domain/text';

const REFUSED = [
  ...Array.from({ length: 0x20 }, (_, i) => i), 0x7f, ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff,
];

describe('firstUnsafeCharacter', () => {
  it('finds every refused character, wherever it stands, with its code point and 1-based position', () => {
    for (const cp of REFUSED) {
      const found = firstUnsafeCharacter(`Ац🙂${String.fromCodePoint(cp)}x`);
      expect(found, cp.toString(16)).toMatchObject({ position: 4, codePoint: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` });
    }
  });

  it('finds a surrogate only when it is alone', () => {
    expect(firstUnsafeCharacter('a\ud83d')).toEqual({ position: 2, codePoint: 'U+D83D', name: 'lone surrogate' });
    expect(firstUnsafeCharacter('\ude42b')).toEqual({ position: 1, codePoint: 'U+DE42', name: 'lone surrogate' });
    expect(firstUnsafeCharacter('\ud83d\ude42')).toBeNull(); // 🙂
  });

  it('lets every other character through (property)', () => {
    const refused = new Set(REFUSED);
    const fine = fc.integer({ min: 0, max: 0x10ffff })
      .filter((cp) => !refused.has(cp) && !(cp >= 0xd800 && cp <= 0xdfff))
      .map((cp) => String.fromCodePoint(cp));
    fc.assert(fc.property(fc.array(fine, { maxLength: 30 }), (chars) => {
      expect(firstUnsafeCharacter(chars.join(''))).toBeNull();
    }));
  });
});

describe('displayText', () => {
  it('trims, bounds the length and names the first refused character', () => {
    const name = displayText(10);
    expect(name.parse('  Київ ')).toBe('Київ');
    expect(name.safeParse('   ').success).toBe(false);
    expect(name.safeParse('x'.repeat(11)).success).toBe(false);
    const r = name.safeParse('ab\u202ecd');
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/^U\+202E RIGHT-TO-LEFT OVERRIDE at character 3 is not allowed/);
  });
});
