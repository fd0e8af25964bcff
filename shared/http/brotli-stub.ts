/**
 * Stands in for `brotli/decompress.js` in Lambda bundles (an esbuild alias in
 * lib/constructs/paygo-function.ts): fontkit reaches it only to read WOFF2 fonts, and the statement's
 * PDF embeds a TrueType font, never a WOFF2 one. 475 KB less (brotli's dictionary); should a WOFF2 font
 * ever be read, it fails loudly here.
 */
export default function decompress(): never {
  throw new Error('brotli is stubbed in paygo bundles: fonts must be TrueType or OpenType, not WOFF2');
}
