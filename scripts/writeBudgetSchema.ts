/**
 * Writes schemas/irene.budget.schema.json from the budget field table
 * (src/engine/budget/budgetFields.ts). VS Code reads the file through the
 * manifest's `jsonValidation`; a unit test fails when it is out of date.
 *
 *   npm run schema
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { budgetJsonSchema } from '../src/engine/budget/budgetFields.js';

/** The schema as the file holds it. */
export function budgetSchemaText(): string {
  return `${JSON.stringify(budgetJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const file = join(__dirname, '..', 'schemas', 'irene.budget.schema.json');
  writeFileSync(file, budgetSchemaText());
  console.log(`wrote ${file}`);
}
