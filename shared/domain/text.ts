/**
 * Text that people read back (a project's name on a page, in a CSV, in a support ticket) must show
 * what it holds. Control characters (C0, DEL, C1) break lines, logs and terminals; a lone surrogate
 * is no character at all and turns into U+FFFD or an error in other systems; bidirectional
 * overrides and isolates reorder what is displayed ("Trojan Source"), and zero-width characters make
 * two names that look the same differ. Such text is refused, naming the character and where it is.
 */
import * as z from 'zod';

export interface UnsafeCharacter {
  /** 1-based position in characters (code points), as a reader counts. */
  position: number;
  /** `U+202E`. */
  codePoint: string;
  /** What it is: `RIGHT-TO-LEFT OVERRIDE`, `control character`, `lone surrogate`. */
  name: string;
}

const NAMED: Readonly<Record<number, string>> = {
  0x0000: 'NULL',
  0x0009: 'TAB',
  0x000a: 'LINE FEED',
  0x000d: 'CARRIAGE RETURN',
  0x007f: 'DELETE',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2060: 'WORD JOINER',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE (byte order mark)',
};

/** What `cp` is when it is refused, or null when it may stand in text. */
function refusedAs(cp: number): string | null {
  if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) return NAMED[cp] ?? `control character`;
  if (cp >= 0xd800 && cp <= 0xdfff) return 'lone surrogate';
  if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || cp === 0x2060 || (cp >= 0x2066 && cp <= 0x2069) || cp === 0xfeff) return NAMED[cp]!;
  return null;
}

/** The first refused character of `text` (see the module comment), or null. */
export function firstUnsafeCharacter(text: string): UnsafeCharacter | null {
  let position = 0;
  // Iterating a string yields code points; a surrogate without its pair comes out alone.
  for (const ch of text) {
    position++;
    const cp = ch.codePointAt(0)!;
    const name = refusedAs(cp);
    if (name !== null) return { position, codePoint: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`, name };
  }
  return null;
}

/** A name people read: trimmed, 1 to `max` characters, none of them refused (checked before trimming). */
export function displayText(max: number) {
  return z.string()
    .superRefine((value, ctx) => {
      const bad = firstUnsafeCharacter(value);
      if (bad) ctx.addIssue({ code: 'custom', message: `${bad.codePoint} ${bad.name} at character ${bad.position} is not allowed: control, bidirectional-override and zero-width characters are refused` });
    })
    .trim().min(1).max(max);
}
