/**
 * The URL of a compiled module beside the calling one. Worker threads run plain JavaScript, so
 * when the caller itself runs from TypeScript source (under vitest), the worker is taken from the
 * package's compiled `dist/` twin, which `npm test` builds before running the tests.
 */
export function compiledSibling(callerUrl: string, relative: string): URL {
  const url = new URL(relative, callerUrl);
  if (!callerUrl.endsWith('.ts')) return url;
  return new URL(url.href.replace(/\/src\/(?!.*\/src\/)/, '/dist/'));
}
