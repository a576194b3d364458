/**
 * Fills a toolkit data grid declaratively (rows and cells as light-DOM
 * children with text content), so the numbers are plain text a UI test and a
 * screen reader can read, and no model-supplied string is ever parsed as HTML.
 */

/** One body row: its cells' text and attributes for the row element. */
export interface GridRow {
  cells: string[];
  attributes?: Record<string, string>;
  className?: string;
}

/** Replaces the grid's content with a header row and body rows. */
export function fillGrid(grid: HTMLElement, header: readonly string[], rows: readonly GridRow[], columns: string): void {
  grid.setAttribute('grid-template-columns', columns);
  grid.replaceChildren();
  const head = document.createElement('vscode-data-grid-row');
  head.setAttribute('row-type', 'header');
  header.forEach((h, i) => {
    const cell = document.createElement('vscode-data-grid-cell');
    cell.setAttribute('cell-type', 'columnheader');
    cell.setAttribute('grid-column', String(i + 1));
    cell.textContent = h;
    head.append(cell);
  });
  grid.append(head);
  for (const r of rows) {
    const row = document.createElement('vscode-data-grid-row');
    if (r.className) row.className = r.className;
    for (const [k, v] of Object.entries(r.attributes ?? {})) row.setAttribute(k, v);
    r.cells.forEach((text, i) => {
      const cell = document.createElement('vscode-data-grid-cell');
      cell.setAttribute('grid-column', String(i + 1));
      cell.textContent = text;
      row.append(cell);
    });
    grid.append(row);
  }
}
