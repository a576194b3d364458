/**
 * GitHub Actions workflow commands (`::error file=…,line=…::message`): the
 * runner reads them from a step's output and shows them as annotations on the
 * pull request's files. Escaping follows the runner's rules: in the message
 * `%`, CR and LF are percent-encoded; in property values also `:` and `,`,
 * which separate the properties.
 */

/** Annotation levels. */
export type AnnotationLevel = 'error' | 'warning' | 'notice';

/** Where an annotation points: file relative to the repository root, 1-based line and columns. */
export interface AnnotationProperties {
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
  title?: string;
}

/** Escapes a command's message. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One annotation line. Properties keep the runner's order: file, line, endLine, col, endColumn, title. */
export function annotation(level: AnnotationLevel, message: string, props: AnnotationProperties = {}): string {
  const order: (keyof AnnotationProperties)[] = ['file', 'line', 'endLine', 'col', 'endColumn', 'title'];
  const parts = order.filter((k) => props[k] !== undefined).map((k) => `${k}=${escapeProperty(String(props[k]))}`);
  return `::${level}${parts.length ? ` ${parts.join(',')}` : ''}::${escapeData(message)}`;
}
