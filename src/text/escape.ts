/**
 * Untrusted text on its way to a terminal or a log line. Issue ids, titles,
 * agent output, file names from git and values quoted back from an input
 * file may hold control characters: a newline that forges a second event
 * line, an ESC sequence that clears the screen or sets the window title, a
 * C1 control that some terminals read as ESC. Every renderer passes such
 * text through `terminalSafe` (one line) or `terminalSafeLines` (text whose
 * own line breaks are kept) at the point where it is printed.
 */

/**
 * C0 controls (U+0000–U+001F), DEL, C1 controls (U+0080–U+009F), the Unicode
 * line and paragraph separators, and the bidirectional overrides and
 * isolates, which can make a line read differently from what it holds.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character written as a visible escape (`\n`,
 * `\e`, `\x07`, `\x9b`, `\u202e`), so that it prints as exactly one line and
 * cannot move the cursor, change colours or talk to the terminal.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Like terminalSafe, but the text's own line breaks stay line breaks (messages of several lines). */
export function terminalSafeLines(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n');
}

/** Like terminalSafe, but newlines and tabs stay as they are: a log followed on a terminal keeps its layout. */
export function terminalSafeText(text: string): string {
  return text.replace(UNSAFE, (ch) => (ch === '\n' || ch === '\t' ? ch : escapeChar(ch)));
}
