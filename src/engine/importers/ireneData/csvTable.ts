import { DataError } from '../../errors.js';
import { forEachLine } from './textLines.js';

/** A parsed CSV file: its header and its data rows with 1-based line numbers for messages. */
export interface CsvTable {
  fileName: string;
  header: string[];
  rows: { line: number; cells: string[] }[];
}

/**
 * Splits CSV text (RFC 4180: comma separated, double-quoted fields may hold
 * commas and doubled quotes). The IrEne files are plain numeric tables, but
 * `level_name` and `model_name` are free text, so quoting is honoured rather
 * than assumed absent. Multi-line quoted fields are not supported: IrEne rows
 * are one per line, and a line number in an error must mean one row.
 * @throws DataError naming the file and line of a row with the wrong number of cells.
 */
export function parseCsv(text: string, fileName: string): CsvTable {
  let headerLine = -1;
  let header: string[] = [];
  const rows: { line: number; cells: string[] }[] = [];
  forEachLine(text, (raw, lineNo) => {
    const cells = splitCsvLine(raw, fileName, lineNo);
    if (headerLine < 0) {
      headerLine = lineNo;
      header = cells.map((c) => c.trim());
      return;
    }
    if (cells.length !== header.length) {
      throw new DataError(
        `${fileName}: line ${lineNo} has ${cells.length} cells, the header has ${header.length}; fix or remove that row`,
      );
    }
    rows.push({ line: lineNo, cells });
  });
  if (headerLine < 0) throw new DataError(`${fileName}: the file is empty; expected a header line and rows`);
  return { fileName, header, rows };
}

function splitCsvLine(line: string, fileName: string, lineNo: number): string[] {
  const cells: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else inQuotes = false;
      } else cur += ch;
    } else if (ch === '"' && cur === '') inQuotes = true;
    else if (ch === ',') {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (inQuotes) throw new DataError(`${fileName}: line ${lineNo} has an unterminated quoted field`);
  cells.push(cur);
  return cells;
}

/** Column accessor that reports bad cells with file, line and column name. */
export class CsvColumns {
  private readonly index = new Map<string, number>();

  constructor(readonly table: CsvTable, required: readonly string[]) {
    table.header.forEach((h, i) => this.index.set(h, i));
    const missing = required.filter((c) => !this.index.has(c));
    if (missing.length > 0) {
      throw new DataError(
        `${table.fileName}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} in the header (line 1)`,
      );
    }
  }

  has(column: string): boolean {
    return this.index.has(column);
  }

  /** The text of a cell, trimmed. */
  text(row: { line: number; cells: string[] }, column: string): string {
    const i = this.index.get(column);
    return i === undefined ? '' : row.cells[i]!.trim();
  }

  /** A finite number; `optional` columns give undefined when empty. */
  number(row: { line: number; cells: string[] }, column: string, optional = false): number | undefined {
    const t = this.text(row, column);
    if (t === '' && optional) return undefined;
    const v = Number(t);
    if (t === '' || !Number.isFinite(v)) {
      throw new DataError(
        `${this.table.fileName}: line ${row.line}, column "${column}": "${t}" is not a finite number`,
      );
    }
    return v;
  }
}
