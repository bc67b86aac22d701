/**
 * The four colours the run view gives its event lines, as 16-colour SGR
 * codes (what chalk writes at level 1). The lines are escaped to one line
 * without control characters before they are painted, so wrapping them in
 * an opening and a closing code is all there is to it, and `harness run`
 * loads no colour library to start.
 */
export type Paint = (text: string) => string;

export interface Palette {
  cyan: Paint;
  yellow: Paint;
  green: Paint;
  red: Paint;
}

const sgr =
  (open: number): Paint =>
  (text) =>
    text === '' ? '' : `\u001b[${open}m${text}\u001b[39m`;

const plain: Paint = (text) => text;

export const COLOURS: Palette = { cyan: sgr(36), yellow: sgr(33), green: sgr(32), red: sgr(31) };
export const NO_COLOURS: Palette = { cyan: plain, yellow: plain, green: plain, red: plain };
