/**
 * A reader of GitHub Actions workflow commands written for the tests, from
 * the runner's documented syntax (`::command key=value,key=value::message`;
 * in values `%`, CR, LF, `:` and `,` percent-encoded, in the message `%`, CR
 * and LF), independent of the code that writes them. Throws on anything the
 * runner would misread.
 */

/** Annotation properties the runner knows. */
const KEYS = new Set(['file', 'line', 'endLine', 'col', 'endColumn', 'title']);
const COMMANDS = new Set(['error', 'warning', 'notice', 'debug', 'group', 'endgroup']);

export interface GithubCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

function unescape(raw: string, allowed: RegExp, what: string): string {
  const stray = raw.replace(allowed, '');
  if (stray.includes('%')) throw new Error(`${what}: a % that is not an escape: ${JSON.stringify(raw)}`);
  return raw.replace(allowed, (m) => ({ '%25': '%', '%0D': '\r', '%0A': '\n', '%3A': ':', '%2C': ',' })[m]!);
}

export function parseGithubCommand(line: string): GithubCommand {
  if (!line.startsWith('::')) throw new Error(`not a workflow command: ${line}`);
  if (/[\r\n]/.test(line)) throw new Error('a workflow command is one line');
  const end = line.indexOf('::', 2);
  if (end < 0) throw new Error(`no closing :: in ${line}`);
  const head = line.slice(2, end);
  const space = head.indexOf(' ');
  const command = space < 0 ? head : head.slice(0, space);
  if (!COMMANDS.has(command)) throw new Error(`unknown command ${command}`);
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const part of head.slice(space + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error(`property without a value: ${JSON.stringify(part)} in ${line}`);
      const key = part.slice(0, eq);
      if (!KEYS.has(key)) throw new Error(`unknown property ${key} in ${line}`);
      properties[key] = unescape(part.slice(eq + 1), /%25|%0D|%0A|%3A|%2C/g, `property ${key}`);
    }
  }
  for (const k of ['line', 'endLine', 'col', 'endColumn']) {
    if (properties[k] !== undefined && !/^[1-9]\d*$/.test(properties[k]!)) throw new Error(`${k} must be a positive integer, got ${properties[k]}`);
  }
  if (properties['endLine'] !== undefined && properties['line'] === undefined) throw new Error('endLine without line');
  return { command, properties, message: unescape(line.slice(end + 2), /%25|%0D|%0A/g, 'message') };
}
